package attach

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"

	"github.com/charmbracelet/x/exp/golden"
)

func plan(t *testing.T) Plan {
	t.Helper()
	f, err := os.Open("testdata/world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs, err := dump.Read(f, "world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := doctor.FromDump(objs)
	if err != nil {
		t.Fatal(err)
	}
	pod := m.Pod("cnf/upf-1")
	if pod == nil {
		t.Fatal("pod cnf/upf-1 not in the model")
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
	return Explain(m, pod, doctor.Run(m, doctor.All(now)))
}

func TestExplain(t *testing.T) {
	p := plan(t)
	type want struct {
		ifName, nad   string
		found, nodeOK bool
		next          string
		exact         bool
		runtimeMAC    string
	}
	wants := []want{
		{"n3", "cnf/data", true, false, "", true, ""},
		{"net2", "cnf/tiny", true, true, "", false, ""},
		{"net3", "infra/shared", true, true, "", false, "02:00:00:00:00:01"},
		{"net4", "cnf/gone", false, true, "", false, ""},
	}
	if len(p.Interfaces) != len(wants) {
		t.Fatalf("%d interfaces, want %d", len(p.Interfaces), len(wants))
	}
	for i, w := range wants {
		got := p.Interfaces[i]
		if got.IfName != w.ifName || got.NAD != w.nad || got.Found != w.found || got.NodeOK != w.nodeOK {
			t.Errorf("interface %d: got %s %s found=%v nodeOK=%v, want %+v", i, got.IfName, got.NAD, got.Found, got.NodeOK, w)
		}
		if w.runtimeMAC != "" && got.RuntimeConfig["mac"] != w.runtimeMAC {
			t.Errorf("%s: runtimeConfig %v, want mac %s", got.IfName, got.RuntimeConfig, w.runtimeMAC)
		}
		if w.runtimeMAC != "" && (len(got.Dropped) != 1 || got.Dropped[0] != "mac") {
			t.Errorf("%s: dropped %v, want [mac]: the NAD declares no capabilities", got.IfName, got.Dropped)
		}
	}
	// data: a /30 with stable_identity: the pod's address is certain and inside the range.
	data := p.Interfaces[0].IPAM
	if data == nil || len(data.Ranges) != 1 || !data.Ranges[0].Exact || data.Ranges[0].Capacity != 2 {
		t.Fatalf("data ipam: %+v", data)
	}
	if n := data.Ranges[0].Next; n != "10.50.0.1" && n != "10.50.0.2" {
		t.Errorf("data: next %q, want a usable address of 10.50.0.0/30", n)
	}
	// tiny: both addresses taken, so the ADD would fail.
	if r := p.Interfaces[1].IPAM.Ranges[0]; r.Next != "" || r.Used != 2 {
		t.Errorf("tiny: %+v, want full", r)
	}
	if !p.Blocked() {
		t.Error("plan with a missing NAD and a full range is not blocked")
	}
	codes := map[string]bool{}
	for _, f := range p.Findings {
		codes[f.Code] = true
	}
	for _, c := range []string{"MN3002", "MN4001"} {
		if !codes[c] {
			t.Errorf("findings %v lack %s", p.Findings, c)
		}
	}
}

func TestPrintTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintText(&buf, plan(t), doctor.Styles{}); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, buf.String())
}

func TestCapabilities(t *testing.T) {
	for _, tc := range []struct {
		config string
		want   map[string]bool
	}{
		{`{"type":"macvlan","capabilities":{"mac":true,"ips":false}}`, map[string]bool{"mac": true, "ips": false}},
		{`{"plugins":[{"type":"macvlan"},{"type":"tuning","capabilities":{"mac":true}}]}`, map[string]bool{"mac": true}},
		{`{"type":"macvlan"}`, map[string]bool{}},
		{`not json`, map[string]bool{}},
	} {
		got := capabilities(tc.config)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.config, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s=%v, want %v", tc.config, k, got[k], v)
			}
		}
	}
}
