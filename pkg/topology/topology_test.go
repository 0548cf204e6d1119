package topology

import (
	"bytes"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/internal/fixtures"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"

	"github.com/charmbracelet/x/exp/golden"
)

// graphOf builds the graph of a dump's pods.
func graphOf(t *testing.T, objs *dump.Objects) Graph {
	t.Helper()
	snap, err := objs.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return Build(inspect.Inspect(snap))
}

func TestGoldenFromDemoScenario(t *testing.T) {
	g := graphOf(t, fixtures.DemoScenario(t))
	if len(g.Nodes["demo-node"]) != 6 || len(g.Networks["cnf/n3"]) != 3 {
		t.Fatalf("graph: nodes %v, n3 %v", g.Nodes, g.Networks["cnf/n3"])
	}
	outputs := map[string]func() string{
		"dot":     func() string { var b bytes.Buffer; _ = WriteDOT(&b, g); return b.String() },
		"mermaid": func() string { var b bytes.Buffer; _ = WriteMermaid(&b, g); return b.String() },
		"txt":     func() string { return Text(g) },
	}
	for name, render := range outputs {
		t.Run(name, func(t *testing.T) { golden.RequireEqual(t, render()) })
	}
}

// TestGoldenDRA: each device of a DRA network claim is a network of its own, next to Multus'
// networks; a device not Ready and a claim not allocated show as missing.
func TestGoldenDRA(t *testing.T) {
	g := graphOf(t, fixtures.DRA(t))
	if len(g.Networks["claim:trainer-0-nics/rdma0"]) != 1 || len(g.Networks["ai/storage"]) != 1 {
		t.Fatalf("graph networks: %v", g.Networks)
	}
	golden.RequireEqual(t, Text(g))
}

func TestEmpty(t *testing.T) {
	if got := Text(Build(nil)); got != "no pod has a secondary network\n" {
		t.Errorf("Text(empty) = %q", got)
	}
}

// TestSummaryMatchesGraph: on the demo and DRA scenarios, a summary counts per network exactly the
// interfaces the graph draws, on the nodes it draws them on.
func TestSummaryMatchesGraph(t *testing.T) {
	for name, objs := range map[string]*dump.Objects{"demo": fixtures.DemoScenario(t), "dra": fixtures.DRA(t)} {
		pods := podsOf(t, objs)
		g, s := Build(pods), Summarize(pods)
		if len(s.Networks) != len(g.Networks) || len(s.Nodes) != len(g.Nodes) {
			t.Fatalf("%s: summary of %d networks and %d nodes, graph of %d and %d", name, len(s.Networks), len(s.Nodes), len(g.Networks), len(g.Nodes))
		}
		nodeOf := map[string]string{}
		for n, ps := range g.Nodes {
			for _, p := range ps {
				nodeOf[p] = n
			}
		}
		for _, n := range s.Networks {
			nodes := map[string]bool{}
			for _, a := range g.Networks[n.Network] {
				nodes[nodeOf[a.Pod]] = true
			}
			if n.Attached+n.Missing+n.Unrequested != len(g.Networks[n.Network]) || n.Nodes != len(nodes) {
				t.Errorf("%s: %+v; the graph draws %d interfaces on %d nodes", name, n, len(g.Networks[n.Network]), len(nodes))
			}
		}
	}
}

// TestGoldenSummary renders the demo scenario's summary in each format.
func TestGoldenSummary(t *testing.T) {
	s := Summarize(podsOf(t, fixtures.DemoScenario(t)))
	outputs := map[string]func(*bytes.Buffer) error{
		"dot":     func(b *bytes.Buffer) error { return WriteSummaryDOT(b, s) },
		"mermaid": func(b *bytes.Buffer) error { return WriteSummaryMermaid(b, s) },
		"txt":     func(b *bytes.Buffer) error { return WriteSummaryText(b, s) },
	}
	for name, render := range outputs {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, b.String())
		})
	}
}

// TestSummaryBusiest: a network's busiest nodes come first, ties by name, at most three; every
// node with pods is counted.
func TestSummaryBusiest(t *testing.T) {
	var pods []inspect.Pod
	for i := range 60 {
		node := []string{"n1", "n2", "n3", "n4", "n5"}[min(i%10, 4)] // n5 gets 6 of 10
		pods = append(pods, inspect.Pod{Namespace: "ns", Name: "p" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Node: node,
			Interfaces: []inspect.Interface{{Network: "ns/a", Interface: "net1", State: inspect.StateAttached}}})
	}
	s := Summarize(pods)
	top := s.Networks[0].Top
	if s.Pods != 60 || len(s.Nodes) != 5 || len(top) != 3 || top[0] != (Count{"n5", 36}) || top[1] != (Count{"n1", 6}) || top[2] != (Count{"n2", 6}) {
		t.Errorf("summary %+v", s)
	}
}

func podsOf(t *testing.T, objs *dump.Objects) []inspect.Pod {
	t.Helper()
	snap, err := objs.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return inspect.Inspect(snap)
}
