package connectivity

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

func attached(ns, name, node, network, ip string) inspect.Pod {
	return inspect.Pod{Namespace: ns, Name: name, Node: node, Phase: "Running", Interfaces: []inspect.Interface{
		{Interface: "eth0", Default: true, State: inspect.StateDefault, IPs: []string{"10.244.0.1"}},
		{Network: network, Interface: "net1", State: inspect.StateAttached, IPs: []string{"fd00::1", ip}},
	}}
}

func TestMakePlans(t *testing.T) {
	pods := []inspect.Pod{
		attached("cnf", "a1", "node-a", "cnf/data", "172.30.0.1"), attached("cnf", "a2", "node-a", "cnf/data", "172.30.0.2"),
		attached("cnf", "a3", "node-a", "cnf/data", "172.30.0.3"), attached("cnf", "b1", "node-b", "cnf/data", "172.30.0.4"),
		attached("cnf", "lonely", "node-b", "cnf/other", "10.9.0.1"),
	}
	pending := attached("cnf", "p1", "node-b", "cnf/data", "172.30.0.9")
	pending.Phase = "Pending"
	pods = append(pods, pending)
	plans := MakePlans(pods, map[string]Network{"cnf/data": {Type: "macvlan", Mode: "bridge"}}, nil, 3)
	if len(plans) != 1 || plans[0].Network.Key != "cnf/data" || plans[0].Network.Type != "macvlan" || plans[0].Total != 4 || !plans[0].Sampled() {
		t.Fatalf("plans %+v: want cnf/data only (cnf/other has one pod, p1 is pending), 4 attached", plans)
	}
	var got []string
	for _, m := range plans[0].Members {
		got = append(got, m.Pod+"@"+m.Node+"="+m.IP)
	}
	if want := []string{"a1@node-a=172.30.0.1", "a2@node-a=172.30.0.2", "b1@node-b=172.30.0.4"}; !slices.Equal(got, want) {
		t.Errorf("sample %v, want %v (nodes in turn, IPv4 address)", got, want)
	}
}

func TestCause(t *testing.T) {
	a1, a2 := Member{Pod: "a1", Node: "node-a", IP: "172.30.0.1"}, Member{Pod: "a2", Node: "node-a", IP: "172.30.0.2"}
	b1 := Member{Pod: "b1", Node: "node-b", IP: "172.30.1.1"}
	rng := []netip.Prefix{netip.MustParsePrefix("172.30.0.0/24")}
	ok, no := true, false
	none := netsnap.PingResult{Sent: 3, NeighborState: "FAILED"}
	cases := []struct {
		name     string
		n        Network
		from, to Member
		r        netsnap.PingResult
		want     string
	}{
		{"pass", Network{Type: "macvlan", Mode: "bridge"}, a1, a2, netsnap.PingResult{Sent: 3, Received: 3, MTUOK: &ok}, ""},
		{"MTU", Network{MTU: 9000}, a1, a2, netsnap.PingResult{Sent: 3, Received: 3, MTUOK: &no}, "below the NAD's 9000"},
		{"subnets", Network{Type: "macvlan", Mode: "bridge", Ranges: rng}, a1, b1, none, "different subnets"},
		{"subnets with routes", Network{Type: "macvlan", Mode: "bridge", Ranges: rng, HasRoutes: true}, a1, b1, none, "no ARP reply"},
		{"private same node", Network{Type: "macvlan", Mode: "private"}, a1, a2, none, "macvlan mode private"},
		{"multinet-macvlan private same node", Network{Type: "multinet-macvlan", Mode: "private"}, a1, a2, none, "macvlan mode private"},
		{"vepa same node", Network{Type: "macvlan", Mode: "vepa"}, a1, a2, none, "hairpin"},
		{"ipvlan l3 across nodes", Network{Type: "ipvlan", Mode: "l3"}, a1, Member{Node: "node-b", IP: "172.30.0.9"}, netsnap.PingResult{Sent: 3}, "ipvlan l3 does not forward"},
		{"no ARP", Network{Type: "macvlan", Mode: "bridge"}, a1, a2, none, "no ARP reply for 172.30.0.2"},
		{"ARP but no echo", Network{Type: "macvlan", Mode: "bridge"}, a1, a2, netsnap.PingResult{Sent: 3, MAC: "02:00:00:00:00:02", NeighborState: "REACHABLE"}, "drops ICMP"},
		{"probe error", Network{}, a1, a2, netsnap.PingResult{Error: "not permitted: pinging needs CAP_NET_RAW"}, "CAP_NET_RAW"},
	}
	for _, tc := range cases {
		got := Cause(tc.n, tc.from, tc.to, tc.r)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRunAndPrint: each member pings the others once over its interface with the NAD's MTU, the
// results become pairs in member order, and the report renders as a matrix with the failures.
func TestRunAndPrint(t *testing.T) {
	plan := Plan{Network: Network{Key: "cnf/data", Type: "macvlan", Mode: "private", MTU: 1400}, Total: 3, Members: []Member{
		{Namespace: "cnf", Pod: "a1", Node: "node-a", Interface: "net1", IP: "172.30.0.1"},
		{Namespace: "cnf", Pod: "a2", Node: "node-a", Interface: "net1", IP: "172.30.0.2"},
		{Namespace: "cnf", Pod: "b1", Node: "node-b", Interface: "net1", IP: "172.30.0.3"},
	}}
	node := map[string]string{"172.30.0.1": "node-a", "172.30.0.2": "node-a", "172.30.0.3": "node-b"}
	var calls []string
	exec := func(_ context.Context, ns, name string, args []string, raw bool) ([]byte, error) {
		calls = append(calls, ns+"/"+name+" "+strings.Join(args, " "))
		from := map[string]string{"a1": "node-a", "a2": "node-a", "b1": "node-b"}[name]
		var res []netsnap.PingResult
		ok := true
		for _, ip := range args[8:] {
			if node[ip] == from { // private mode: no reply on one node
				res = append(res, netsnap.PingResult{IP: ip, Sent: 3, NeighborState: "FAILED"})
			} else {
				res = append(res, netsnap.PingResult{IP: ip, Sent: 3, Received: 3, MTUOK: &ok, MAC: "02:00:00:00:00:01"})
			}
		}
		if !raw {
			t.Error("pings need a raw socket")
		}
		return json.Marshal(res)
	}
	results, err := Run(context.Background(), exec, []Plan{plan}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 3 || calls[0] != "cnf/a1 probe ping --iface net1 --count 3 --mtu 1400 172.30.0.2 172.30.0.3" {
		t.Fatalf("calls %q", calls)
	}
	var b bytes.Buffer
	if err := PrintText(&b, NewReport(results, []string{"cnf/empty has fewer than two running pods attached in the selection"})); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, b.String())
}
