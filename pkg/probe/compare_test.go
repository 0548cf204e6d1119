package probe

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// healthy is a pod namespace as the lab's macvlan NAD leaves it: eth0 from the cluster network,
// net1 with 172.30.0.5/24, the NAD's route to 10.200.0.0/16 via 172.30.0.1.
func healthy() netsnap.Snapshot {
	return netsnap.Snapshot{
		Links: []netsnap.Link{
			{Name: "lo", Up: true, OperState: "unknown", MTU: 65536},
			{Name: "eth0", Kind: "veth", Up: true, OperState: "up", MTU: 1500, MAC: "0a:58:0a:f4:01:05"},
			{Name: "net1", Kind: "macvlan", Up: true, OperState: "up", MTU: 1400, MAC: "02:00:00:00:00:05"},
		},
		Addrs: []netsnap.Addr{{Link: "eth0", CIDR: "10.244.1.5/24"}, {Link: "net1", CIDR: "172.30.0.5/24"}},
		Routes: []netsnap.Route{
			{Table: 254, Dst: "default", Gateway: "10.244.1.1", Dev: "eth0", Family: 4},
			{Table: 254, Dst: "10.200.0.0/16", Gateway: "172.30.0.1", Dev: "net1", Family: 4},
		},
	}
}

func pod() *inspect.Pod {
	return &inspect.Pod{Namespace: "cnf", Name: "upf-1", Interfaces: []inspect.Interface{
		{Interface: "eth0", IPs: []string{"10.244.1.5"}, Default: true, State: inspect.StateDefault},
		{Network: "cnf/data", Interface: "net1", IPs: []string{"172.30.0.5"}, MAC: "02:00:00:00:00:05", State: inspect.StateAttached},
	}}
}

var nads = map[string]NADConfig{"cnf/data": ParseNADConfig(`{"cniVersion":"1.0.0","type":"macvlan","master":"lab1","mtu":1400,
	"ipam":{"type":"multinet-ipam","range":"172.30.0.0/24","routes":[{"dst":"10.200.0.0/16","gw":"172.30.0.1"}]}}`)}

func TestCompare(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(*netsnap.Snapshot, *inspect.Pod)
		want    []string
		message string
	}{
		{"healthy", func(*netsnap.Snapshot, *inspect.Pod) {}, nil, ""},
		{"net1 gone", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Links = s.Links[:2] },
			[]string{"MN7001"}, "lists net1 (cnf/data) but the pod has no such interface; it has lo, eth0"},
		{"another address", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Addrs[1].CIDR = "172.30.0.99/24" },
			[]string{"MN7002"}, "IP 172.30.0.5, but the interface holds 172.30.0.99/24"},
		{"another MAC", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Links[2].MAC = "02:00:00:00:00:aa" },
			[]string{"MN7002"}, "MAC 02:00:00:00:00:05, but the interface has 02:00:00:00:00:aa"},
		{"MAC in other case", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Links[2].MAC = "02:00:00:00:00:05" }, nil, ""},
		{"lower layer down", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Links[2].OperState = "lowerlayerdown" },
			[]string{"MN7003"}, "net1 (cnf/data) is down (admin up, oper lowerlayerdown)"},
		{"MTU", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Links[2].MTU = 1500 },
			[]string{"MN7004"}, "net1 (cnf/data) has MTU 1500, the NAD sets 1400"},
		{"route in another table still counts", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Routes[1].Table = 100 }, nil, ""},
		{"route missing", func(s *netsnap.Snapshot, _ *inspect.Pod) { s.Routes = s.Routes[:1] },
			[]string{"MN7005"}, "asks for route 10.200.0.0/16 via 172.30.0.1, which is in no routing table"},
		{"default route through net1", func(s *netsnap.Snapshot, _ *inspect.Pod) {
			s.Routes[0] = netsnap.Route{Table: 254, Dst: "default", Gateway: "172.30.0.1", Dev: "net1", Family: 4}
		}, []string{"MN7006"}, "goes through net1, not through the cluster network's eth0"},
		{"duplicate address", func(s *netsnap.Snapshot, _ *inspect.Pod) {
			s.Duplicates = []netsnap.Duplicate{{Link: "net1", IP: "172.30.0.5", MAC: "02:00:00:00:00:bb"}}
		}, []string{"MN7007"}, "another host (MAC 02:00:00:00:00:bb) answers ARP for 172.30.0.5 on net1"},
		{"a missing attachment is doctor's, not the probe's", func(s *netsnap.Snapshot, p *inspect.Pod) {
			p.Interfaces[1].State, s.Links = inspect.StateMissing, s.Links[:2]
		}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, p := healthy(), pod()
			tc.edit(&s, p)
			got := Compare(p, nads, s)
			var codes []string
			for _, f := range got {
				codes = append(codes, f.Code)
				if !strings.Contains(f.Message, tc.message) {
					t.Errorf("message %q lacks %q", f.Message, tc.message)
				}
			}
			if !slices.Equal(codes, tc.want) {
				t.Fatalf("codes %v, want %v (%+v)", codes, tc.want, got)
			}
		})
	}
}

func TestParseNADConfig(t *testing.T) {
	list := ParseNADConfig(`{"cniVersion":"1.0.0","name":"x","plugins":[{"type":"macvlan","mtu":9000,"ipam":{"type":"whereabouts","range":"10.1.0.0/24","routes":[{"dst":"0.0.0.0/0"}]}},{"type":"sbr"}]}`)
	if list.MTU != 9000 || len(list.Routes) != 1 || list.Routes[0] != (Route{Dst: "0.0.0.0/0"}) {
		t.Errorf("conflist: %+v", list)
	}
	if bad := ParseNADConfig(`{"mtu":"big"}`); bad.MTU != 0 || bad.Routes != nil {
		t.Errorf("unreadable: %+v", bad)
	}
}

// TestPrintGolden renders a probe of the healthy namespace with one finding, as text and JSON.
func TestPrintGolden(t *testing.T) {
	s := healthy()
	s.Links[2].MTU = 1500
	s.Rules = []netsnap.Rule{{Priority: 0, Table: 255, Family: 4}, {Priority: 100, Table: 100, Src: "172.30.0.5/32", Family: 4}, {Priority: 32766, Table: 254, Family: 4}}
	s.Neighbors = []netsnap.Neighbor{{Link: "net1", IP: "172.30.0.6", MAC: "02:00:00:00:00:06", State: "REACHABLE"}}
	p := pod()
	rep := Report{Namespace: p.Namespace, Pod: p.Name, Node: "lab-node-a", Snapshot: s, Findings: Compare(p, nads, s)}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Print(&b, rep, format, doctor.Styles{}); err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, b.String())
		})
	}
}
