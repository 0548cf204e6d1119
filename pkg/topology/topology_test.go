package topology

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/internal/fixtures"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestGoldenFromDemoScenario(t *testing.T) {
	snap, err := fixtures.DemoScenario(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	g := Build(inspect.Inspect(snap))
	if len(g.Nodes["demo-node"]) != 6 || len(g.Networks["cnf/n3"]) != 3 {
		t.Fatalf("graph: nodes %v, n3 %v", g.Nodes, g.Networks["cnf/n3"])
	}
	outputs := map[string]func() string{
		"scenario.dot":     func() string { var b bytes.Buffer; _ = WriteDOT(&b, g); return b.String() },
		"scenario.mermaid": func() string { var b bytes.Buffer; _ = WriteMermaid(&b, g); return b.String() },
		"scenario.txt":     func() string { return Text(g) },
	}
	for name, render := range outputs {
		got := render()
		path := filepath.Join("testdata", name)
		if *update {
			_ = os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s differs:\n%s", name, got)
		}
	}
}

func TestEmpty(t *testing.T) {
	if got := Text(Build(nil)); got != "no pod has a secondary network\n" {
		t.Errorf("Text(empty) = %q", got)
	}
}
