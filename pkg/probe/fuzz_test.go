package probe

import (
	"encoding/json"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// FuzzParseNADConfig: any spec.config gives an MTU and routes or zero, never a panic, and every
// route it returns names a destination.
func FuzzParseNADConfig(f *testing.F) {
	f.Add(`{"cniVersion":"1.0.0","type":"macvlan","master":"lab1","mtu":1400,"ipam":{"type":"multinet-ipam","range":"172.30.0.0/24","routes":[{"dst":"10.200.0.0/16","gw":"172.30.0.1"}]}}`)
	f.Add(`{"plugins":[{"type":"ipvlan","mtu":9000,"ipam":{"routes":[null,{"dst":"0.0.0.0/0"}]}}]}`)
	f.Add(`{"mtu":"1500"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, config string) {
		c := ParseNADConfig(config)
		for _, r := range c.Routes {
			if r.Dst == "" || r.Dst == "invalid Prefix" {
				t.Errorf("%q: a route without a destination: %+v", config, r)
			}
		}
	})
}

// FuzzCompare: whatever a probe prints that decodes as a snapshot, the comparison with a pod's
// network-status never panics and reports only the codes probe documents.
func FuzzCompare(f *testing.F) {
	seed, _ := json.Marshal(healthy())
	f.Add(seed)
	f.Add([]byte(`{"links":[{"name":"net1","up":false,"mtu":-1}],"addrs":[{"link":"net1","cidr":"bad"}],"routes":[{"dst":"x","table":-5}]}`))
	f.Add([]byte(`{"duplicates":[{"link":"net1","ip":"172.30.0.5","mac":""}],"arpChecked":true}`))
	known := map[string]bool{}
	for _, c := range Checks() {
		known[c.Code] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var snap netsnap.Snapshot
		if json.Unmarshal(data, &snap) != nil {
			return
		}
		for _, finding := range Compare(pod(), nads, snap) {
			if !known[finding.Code] {
				t.Errorf("%s: finding %+v has a code probe does not document", data, finding)
			}
		}
	})
}
