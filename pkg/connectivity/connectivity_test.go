package connectivity

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
	plans := MakePlans(pods, map[string]Network{"cnf/data": {Type: "macvlan", Mode: "bridge"}}, nil, 3, nil)
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

// TestMakePlansSegment: two NADs named as one segment become one plan over both NADs' pods, with
// both ranges and the smaller MTU; a pair across them with no reply is explained by the subnets, a
// pair inside one NAD is not.
func TestMakePlansSegment(t *testing.T) {
	pods := []inspect.Pod{
		attached("cnf", "x1", "node-a", "cnf/x", "172.30.28.1"), attached("cnf", "x2", "node-b", "cnf/x", "172.30.28.2"),
		attached("cnf", "y1", "node-b", "cnf/y", "172.30.29.1"), attached("cnf", "z1", "node-b", "cnf/z", "172.30.30.1"),
		attached("cnf", "z2", "node-a", "cnf/z", "172.30.30.2"),
	}
	nets := map[string]Network{
		"cnf/x": {Type: "macvlan", Mode: "bridge", MTU: 1500, Ranges: []netip.Prefix{netip.MustParsePrefix("172.30.28.0/24")}},
		"cnf/y": {Type: "macvlan", Mode: "bridge", MTU: 1400, Ranges: []netip.Prefix{netip.MustParsePrefix("172.30.29.0/24")}},
		"cnf/z": {Type: "macvlan", Mode: "bridge"},
	}
	plans := MakePlans(pods, nets, map[string]bool{}, 0, [][]string{{"cnf/x", "cnf/y"}})
	if len(plans) != 1 || plans[0].Network.Key != "cnf/x+cnf/y" || len(plans[0].Members) != 3 || plans[0].Network.MTU != 1400 || len(plans[0].Network.Ranges) != 2 {
		t.Fatalf("plans %+v; want only the segment cnf/x+cnf/y (cnf/z is not wanted), 3 pods, MTU 1400, 2 ranges", plans)
	}
	m := map[string]Member{}
	for _, mem := range plans[0].Members {
		m[mem.Pod] = mem
	}
	if m["y1"].Network != "cnf/y" {
		t.Errorf("y1's member network %q, want cnf/y", m["y1"].Network)
	}
	none := netsnap.PingResult{Sent: 3, NeighborState: "REACHABLE", MAC: "02:00:00:00:00:09"}
	if got := Cause(plans[0], m["x2"], m["y1"], none); !strings.Contains(got, "different subnets") {
		t.Errorf("across the NADs: %q, want different subnets", got)
	}
	if got := Cause(plans[0], m["x1"], m["x2"], none); strings.Contains(got, "different subnets") {
		t.Errorf("inside one NAD: %q, want another cause", got)
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
		{"ARP answered by the peer's other interface", Network{Type: "macvlan", Mode: "bridge"}, a1, withMAC(a2, "02:00:00:00:00:02"),
			netsnap.PingResult{Sent: 3, MAC: "02:00:00:00:99:99", NeighborState: "REACHABLE"}, "ARP flux: 172.30.0.2 was answered with 02:00:00:00:99:99"},
		{"ARP answered by the right interface", Network{Type: "macvlan", Mode: "bridge"}, a1, withMAC(a2, "02:00:00:00:00:02"),
			netsnap.PingResult{Sent: 3, MAC: "02:00:00:00:00:02", NeighborState: "REACHABLE"}, "drops ICMP"},
		{"no echo, the peer has another interface on the master", Network{Type: "macvlan", Mode: "bridge", Master: "lab1"}, a1, sharing(withMAC(a2, "02:00:00:00:00:02"), "net2"),
			netsnap.PingResult{Sent: 3, MAC: "02:00:00:00:00:02", NeighborState: "REACHABLE"}, "/a2 also has net2 on master lab1"},
	}
	for _, tc := range cases {
		got := Cause(Plan{Network: tc.n, Protocol: ProtocolICMP}, tc.from, tc.to, tc.r)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	arpOnly := netsnap.PingResult{Sent: 3, MAC: "02:00:00:00:00:02", NeighborState: "REACHABLE"}
	if got := Cause(Plan{Network: Network{Type: "macvlan"}, Protocol: ProtocolUDP}, a1, a2, arpOnly); !strings.Contains(got, "drops UDP") {
		t.Errorf("UDP, ARP but no echo: %q, want it to name UDP", got)
	}
}

func withMAC(m Member, mac string) Member { m.MAC = mac; return m }

func sharing(m Member, ifaces ...string) Member { m.SharesMaster = ifaces; return m }

// execer answers as multinet-cni would on a macvlan private network: pods on one node never reach
// each other. It records the calls.
type execer struct {
	mu    sync.Mutex
	calls []string
	raw   []bool
}

func (e *execer) record(ns, name string, args []string, raw bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, ns+"/"+name+" "+strings.Join(args, " "))
	e.raw = append(e.raw, raw)
}

func (e *execer) Start(_ context.Context, ns, name string, args []string, raw bool) error {
	e.record(ns, name, args, raw)
	return nil
}

func (e *execer) Output(_ context.Context, ns, name string, args []string, raw bool) ([]byte, error) {
	e.record(ns, name, args, raw)
	if args[1] == "echo-stop" {
		return []byte(`{"stopped":"` + args[3] + `"}`), nil
	}
	nodeOf := map[string]string{"172.30.0.1": "node-a", "172.30.0.2": "node-a", "172.30.0.3": "node-b", "a1": "node-a", "a2": "node-a", "b1": "node-b"}
	var res []netsnap.PingResult
	ok := true
	for _, ip := range args[slices.Index(args, "1400")+1:] {
		if ip == "--udp" || ip == "33433" {
			continue
		}
		if nodeOf[ip] == nodeOf[name] { // private mode: no reply on one node
			res = append(res, netsnap.PingResult{IP: ip, Sent: 3, NeighborState: "FAILED"})
		} else {
			res = append(res, netsnap.PingResult{IP: ip, Sent: 3, Received: 3, MTUOK: &ok, MAC: "02:00:00:00:00:01"})
		}
	}
	return json.Marshal(res)
}

func privatePlan(protocol string) Plan {
	return Plan{Network: Network{Key: "cnf/data", Type: "macvlan", Mode: "private", MTU: 1400}, Total: 3, Protocol: protocol, Members: []Member{
		{Namespace: "cnf", Pod: "a1", Node: "node-a", Interface: "net1", IP: "172.30.0.1"},
		{Namespace: "cnf", Pod: "a2", Node: "node-a", Interface: "net1", IP: "172.30.0.2"},
		{Namespace: "cnf", Pod: "b1", Node: "node-b", Interface: "net1", IP: "172.30.0.3"},
	}}
}

// TestRunAndPrint: each member pings the others once over its interface with the NAD's MTU, from a
// raw socket; the results become pairs in member order, and the report renders as a matrix with
// the failures.
func TestRunAndPrint(t *testing.T) {
	e := &execer{}
	results, err := Run(context.Background(), e, []Plan{privatePlan(ProtocolICMP)}, Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != 3 || e.calls[0] != "cnf/a1 probe ping --iface net1 --count 3 --mtu 1400 172.30.0.2 172.30.0.3" || slices.Contains(e.raw, false) {
		t.Fatalf("calls %q (raw %v); want three pings from raw sockets", e.calls, e.raw)
	}
	var b bytes.Buffer
	if err := PrintText(&b, NewReport(results, []string{"cnf/empty has fewer than two running pods attached in the selection"})); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, b.String())
}

// TestRunUDP: every member's echo server starts, expecting the two other members, before any pod
// pings; the pings need no raw socket and name the port; causes match ICMP's; afterwards the
// servers that a peer could not reach (a1 and a2, private to each other) are stopped.
func TestRunUDP(t *testing.T) {
	e := &execer{}
	results, err := Run(context.Background(), e, []Plan{privatePlan(ProtocolUDP)}, Options{Parallel: 2, UDPPort: 33433, Linger: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != 8 || slices.Contains(e.raw, true) {
		t.Fatalf("calls %q (raw %v); want 3 echo servers, 3 pings, 2 stops, none raw", e.calls, e.raw)
	}
	for i, c := range e.calls[:6] {
		server := strings.Contains(c, " probe echo --iface net1 --port 33433 --peers 2 --for 1m0s")
		if server != (i < 3) || (i >= 3 && !strings.Contains(c, "--udp 33433")) {
			t.Errorf("call %d %q: want the 3 servers first, then pings to port 33433", i, c)
		}
	}
	stops := slices.Sorted(slices.Values(e.calls[6:]))
	if !slices.Equal(stops, []string{"cnf/a1 probe echo-stop --ip 172.30.0.1 --port 33433", "cnf/a2 probe echo-stop --ip 172.30.0.2 --port 33433"}) {
		t.Errorf("stops %q; want a1's and a2's servers stopped, b1's left to end by itself", stops)
	}
	rep := NewReport(results, nil)
	if rep.Summary.Pairs != 6 || rep.Summary.Failed != 2 || !strings.Contains(results[0].Pairs[0].Cause, "macvlan mode private") {
		t.Errorf("summary %+v, first pair %+v; want the 2 same-node pairs failed as private", rep.Summary, results[0].Pairs[0])
	}
}

// output is an Execer whose pings print data.
type output []byte

func (o output) Start(context.Context, string, string, []string, bool) error { return nil }
func (o output) Output(context.Context, string, string, []string, bool) ([]byte, error) {
	return o, nil
}

// FuzzPingOutput: whatever the pings print, a run either fails naming the network or gives one
// pair a target, each passing pair without a cause and each failing one with a cause.
func FuzzPingOutput(f *testing.F) {
	ok := true
	seed, _ := json.Marshal([]netsnap.PingResult{{IP: "172.30.0.2", Sent: 3, Received: 3, MTUOK: &ok}, {IP: "172.30.0.3", Sent: 3, NeighborState: "FAILED"}})
	f.Add(seed)
	f.Add([]byte(`[{"received":-1,"sent":0},{"error":""}]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		results, err := Run(context.Background(), output(data), []Plan{privatePlan(ProtocolICMP)}, Options{Parallel: 1})
		if err != nil {
			if !strings.Contains(err.Error(), "cnf/data") {
				t.Errorf("%s: error %q does not name the network", data, err)
			}
			return
		}
		if len(results[0].Pairs) != 6 {
			t.Fatalf("%s: %d pairs, want 6", data, len(results[0].Pairs))
		}
		for _, p := range results[0].Pairs {
			if p.OK != (p.Cause == "") {
				t.Errorf("%s: pair %+v: ok and cause disagree", data, p)
			}
		}
	})
}
