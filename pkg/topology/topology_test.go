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
