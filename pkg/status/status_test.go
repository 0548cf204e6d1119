package status

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// run executes one status run against a file and returns stdout.
func run(t *testing.T, o *Options, args ...string) (string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	o.IOStreams = streams
	if err := o.Complete(args); err != nil {
		return "", err
	}
	if err := o.Validate(); err != nil {
		return "", err
	}
	err := o.Run(context.Background())
	return out.String() + errOut.String(), err
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/status -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

func TestGoldenFromSeeds(t *testing.T) {
	tests := []struct {
		name   string
		legacy bool
		output string
		args   []string
	}{
		{"table", false, "table", nil},
		{"wide", false, "wide", nil},
		{"json", false, "json", nil},
		{"yaml", false, "yaml", nil},
		{"one-pod", false, "wide", []string{"pod/two-nets"}},
		{"legacy-text", true, "text", nil},
		{"legacy-wide", true, "wide", nil},
		{"legacy-json", true, "json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &Options{Filename: "testdata/seeds.yaml", Output: tt.output, Legacy: tt.legacy}
			got, err := run(t, o, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, got)
		})
	}
}

func TestStdinDump(t *testing.T) {
	data, err := os.ReadFile("testdata/seeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	streams, in, out, _ := genericiooptions.NewTestIOStreams()
	in.Write(data)
	o := &Options{IOStreams: streams, Filename: "-", Output: "json"}
	if err := o.Complete(nil); err != nil {
		t.Fatal(err)
	}
	if err := o.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fromFile, err := run(t, &Options{Filename: "testdata/seeds.yaml", Output: "json"})
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != fromFile {
		t.Error("stdin and file give different reports")
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		o       *Options
		args    []string
		wantErr string
		usage   bool
	}{
		{"bad output", &Options{Filename: "testdata/seeds.yaml", Output: "xml"}, nil, `--output "xml" is not supported`, true},
		{"legacy rejects yaml", &Options{Filename: "testdata/seeds.yaml", Output: "yaml", Legacy: true}, nil, "one of: text|wide|json", true},
		{"not a pod", &Options{Filename: "testdata/seeds.yaml", Output: "table"}, []string{"deploy/x"}, "only pods are supported", true},
		{"unknown pod", &Options{Filename: "testdata/seeds.yaml", Output: "table"}, []string{"nope"}, `pod "nope" not found in testdata/seeds.yaml`, false},
		{"missing file", &Options{Filename: filepath.Join(dir, "absent.yaml"), Output: "table"}, nil, "open --filename", false},
		{"not yaml", &Options{Filename: write("bad.yaml", "kind: [\n"), Output: "table"}, nil, "document 1", false},
		{"no kind", &Options{Filename: write("nokind.yaml", "metadata: {name: x}\n"), Output: "table"}, nil, "has no kind", false},
		{"bad label selector", &Options{Filename: "testdata/seeds.yaml", Output: "table", LabelSelector: "a=(b"}, nil, "--selector", true},
		{"field selector offline", &Options{Filename: "testdata/seeds.yaml", Output: "table", FieldSelector: "spec.nodeName=x"}, nil, "--field-selector cannot be used with --filename", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.o, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			_, isUsage := err.(*cli.UsageError)
			if isUsage != tt.usage {
				t.Errorf("usage error = %v, want %v", isUsage, tt.usage)
			}
		})
	}
}

func TestEmptyDumpSaysSo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(p, []byte("apiVersion: v1\nkind: List\nitems: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := run(t, &Options{Filename: p, Output: "table"})
	if err != nil || !strings.Contains(got, "No pods found") {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err = run(t, &Options{Filename: p, Output: "json"})
	if err != nil || !bytes.Contains([]byte(got), []byte(`"pods": []`)) {
		t.Fatalf("json of no pods = %q, %v", got, err)
	}
}
