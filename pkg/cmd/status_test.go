package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"

	"github.com/charmbracelet/x/exp/golden"
)

// seeds is the dump of the annotation examples of ../shared/seeds (internal/fixtures).
const seeds = "../../internal/fixtures/testdata/seeds.yaml"

// runStatus executes one status run against a file and returns stdout.
func runStatus(t *testing.T, o *StatusOptions, args ...string) (string, error) {
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

// statusOf is a status run of file in format output.
func statusOf(file, output string, set ...func(*StatusOptions)) *StatusOptions {
	o := &StatusOptions{Output: output}
	o.Files = []string{file}
	for _, f := range set {
		f(o)
	}
	return o
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
			o := statusOf(seeds, tt.output, func(o *StatusOptions) { o.Legacy = tt.legacy })
			got, err := runStatus(t, o, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, got)
		})
	}
}

func TestStdinDump(t *testing.T) {
	data, err := os.ReadFile(seeds)
	if err != nil {
		t.Fatal(err)
	}
	streams, in, out, _ := genericiooptions.NewTestIOStreams()
	in.Write(data)
	o := statusOf("-", "json")
	o.IOStreams = streams
	if err := o.Complete(nil); err != nil {
		t.Fatal(err)
	}
	if err := o.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	fromFile, err := runStatus(t, statusOf(seeds, "json"))
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
		o       *StatusOptions
		args    []string
		wantErr string
		usage   bool
	}{
		{"bad output", statusOf(seeds, "xml"), nil, `--output "xml" is not supported`, true},
		{"legacy rejects yaml", statusOf(seeds, "yaml", func(o *StatusOptions) { o.Legacy = true }), nil, "one of: text|wide|json", true},
		{"not a pod", statusOf(seeds, "table"), []string{"deploy/x"}, "only pods are supported", true},
		{"unknown pod", statusOf(seeds, "table"), []string{"nope"}, `pod "nope" not found in ` + seeds, false},
		{"missing file", statusOf(filepath.Join(dir, "absent.yaml"), "table"), nil, "absent.yaml: no such file; check the path", false},
		{"not yaml", statusOf(write("bad.yaml", "kind: [\n"), "table"), nil, "document 1", false},
		{"no kind", statusOf(write("nokind.yaml", "metadata: {name: x}\n"), "table"), nil, "has no kind", false},
		{"bad label selector", statusOf(seeds, "table", func(o *StatusOptions) { o.LabelSelector = "a=(b" }), nil, "--selector", true},
		{"field selector offline", statusOf(seeds, "table", func(o *StatusOptions) { o.FieldSelector = "spec.nodeName=x" }), nil, "--field-selector cannot be used with --filename", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runStatus(t, tt.o, tt.args...)
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
	got, err := runStatus(t, statusOf(p, "table"))
	if err != nil || !strings.Contains(got, "No pods found") {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err = runStatus(t, statusOf(p, "json"))
	if err != nil || !bytes.Contains([]byte(got), []byte(`"pods": []`)) || !strings.Contains(got, "No pods found in "+p+".\n") {
		t.Fatalf("json of no pods = %q, %v", got, err)
	}
}

func TestDoctorColorFollowsNOCOLORAndTerminal(t *testing.T) {
	var buf bytes.Buffer
	o := &DoctorOptions{}
	o.Out = &buf
	if st := o.styles(); st.Error != nil {
		t.Error("colour for a non-terminal writer")
	}
	on := true
	o.Color = &on
	if st := o.styles(); st.Error == nil || !strings.Contains(st.Error("x"), "\x1b[") {
		t.Error("--color forced on gave no colour")
	}
	t.Setenv("NO_COLOR", "1")
	o.Color = nil
	if st := o.styles(); st.Error != nil {
		t.Error("colour despite NO_COLOR")
	}
}

// TestSeveralFiles: -f given twice reads both files, as kubectl does.
func TestSeveralFiles(t *testing.T) {
	extra := filepath.Join(t.TempDir(), "extra.yaml")
	if err := os.WriteFile(extra, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: from-second-file, namespace: default, annotations: {k8s.v1.cni.cncf.io/networks: data}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := statusOf(seeds, "table")
	o.Files = append(o.Files, extra)
	got, err := runStatus(t, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, pod := range []string{"two-nets", "from-second-file"} {
		if !strings.Contains(got, pod) {
			t.Errorf("pod %s missing from:\n%s", pod, got)
		}
	}
}
