package dump

import (
	"strings"
	"testing"
)

func TestReadForms(t *testing.T) {
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"n","annotations":{"k8s.v1.cni.cncf.io/networks":"x"}}}`
	tests := []struct{ name, in string }{
		{"single json", pod},
		{"json list", `{"apiVersion":"v1","kind":"List","items":[` + pod + `]}`},
		{"yaml pod list", "apiVersion: v1\nkind: PodList\nitems:\n- " + pod + "\n"},
		{"multi-document yaml", "---\n" + pod + "\n---\n# nothing\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n"},
	}
	for _, tt := range tests {
		objs, err := Read(strings.NewReader(tt.in), "t")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		snap, err := objs.Snapshot()
		if err != nil || len(snap.Pods) != 1 || snap.Pods[0].Annotations["k8s.v1.cni.cncf.io/networks"] != "x" {
			t.Errorf("%s: %+v %v", tt.name, snap.Pods, err)
		}
	}
}

func TestReadErrorsNameTheDocument(t *testing.T) {
	_, err := Read(strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: [\n"), "dump.yaml")
	if err == nil || !strings.Contains(err.Error(), "read dump.yaml: document 2") {
		t.Fatalf("error = %v", err)
	}
	objs, err := Read(strings.NewReader(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":"no"}}`), "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objs.Snapshot(); err == nil || !strings.Contains(err.Error(), "pod /a") {
		t.Errorf("malformed pod error = %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod, metadata: {name: a}}]\n")
	f.Add(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x","annotations":{"k8s.v1.cni.cncf.io/networks":"[{"}}}`)
	f.Fuzz(func(t *testing.T, in string) {
		objs, err := Read(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		_, _ = objs.Snapshot()
	})
}
