package selection

import (
	"strings"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

func TestPodNames(t *testing.T) {
	names, err := PodNames([]string{"a", "pod/b", "pods/c", "po/d"})
	if err != nil || strings.Join(names, ",") != "a,b,c,d" {
		t.Fatalf("names %v, %v", names, err)
	}
	for _, bad := range []string{"deploy/x", "pod/"} {
		if _, err := PodNames([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		sel  Selection
		want string
	}{
		{"ok", Selection{Namespace: "a", Names: []string{"p"}}, ""},
		{"names with -A", Selection{AllNamespaces: true, Names: []string{"p"}}, "cannot be combined with --all-namespaces"},
		{"field selector offline", Selection{Files: []string{"d.yaml"}, FieldSelector: "spec.nodeName=n"}, "cannot be used with --filename"},
		{"bad label selector", Selection{LabelSelector: "a=(b"}, "--selector"},
		{"bad field selector", Selection{FieldSelector: "a=b=c=("}, "--field-selector"},
		{"negative chunk", Selection{ChunkSize: -1}, "--chunk-size"},
	}
	for _, tt := range tests {
		err := tt.sel.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestMatchesAndScope: a dump is read whole unless -n was given; the cluster is read in the
// kubeconfig's namespace unless -A.
func TestMatchesAndScope(t *testing.T) {
	pod := inspect.PodMeta{Namespace: "cnf", Name: "upf-0", Labels: map[string]string{"app": "upf"}}
	tests := []struct {
		name             string
		sel              Selection
		matches, narrows bool
		scope            string
	}{
		{"cluster, own namespace", Selection{Namespace: "cnf"}, true, true, "cnf"},
		{"cluster, other namespace", Selection{Namespace: "ran"}, false, true, "ran"},
		{"cluster, all namespaces", Selection{Namespace: "ran", AllNamespaces: true}, true, false, ""},
		{"dump, kubeconfig namespace ignored", Selection{Namespace: "ran", Files: []string{"d.yaml"}}, true, false, "ran"},
		{"dump, -n given", Selection{Namespace: "ran", ExplicitNamespace: true, Files: []string{"d.yaml"}}, false, true, "ran"},
		{"label match", Selection{AllNamespaces: true, LabelSelector: "app=upf"}, true, true, ""},
		{"label miss", Selection{AllNamespaces: true, LabelSelector: "app=smf"}, false, true, ""},
		{"name miss", Selection{Namespace: "cnf", Names: []string{"upf-1"}}, false, true, "cnf"},
	}
	for _, tt := range tests {
		if got := tt.sel.Matches(pod); got != tt.matches {
			t.Errorf("%s: Matches = %v", tt.name, got)
		}
		if got := tt.sel.Narrowed(); got != tt.narrows {
			t.Errorf("%s: Narrowed = %v", tt.name, got)
		}
		if got := tt.sel.Scope(); got != tt.scope {
			t.Errorf("%s: Scope = %q", tt.name, got)
		}
	}
}
