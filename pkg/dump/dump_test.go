package dump

import (
	"reflect"
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
	objs, err := Read(strings.NewReader(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":"no"}}
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"}}`), "x")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := objs.Snapshot()
	want := []string{`skipped pod a: "spec.containers" is a JSON string, want a list`}
	if err != nil || len(snap.Pods) != 1 || snap.Pods[0].Name != "b" || !reflect.DeepEqual(snap.Skipped, want) {
		t.Errorf("a malformed pod beside a good one: pods %d, skipped %q, err %v; want pod b read and %q", len(snap.Pods), snap.Skipped, err, want)
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

// TestBadInputsAreNamed: binary and oversized inputs, list items that are not objects and
// metadata that is not text each get one line that names the input, and never Go type names.
func TestBadInputsAreNamed(t *testing.T) {
	tests := []struct {
		name, in string
		max      int64
		want     string
	}{
		{"binary", "\x00\x00\x00\x00", MaxBytes, "read in: binary data, not YAML or JSON"},
		{"not UTF-8", "\xff\xfe\xfd kind: Pod", MaxBytes, "read in: binary data, not YAML or JSON"},
		{"too large", strings.Repeat("# comment line\n", 100), 64, "read in: larger than 64 bytes"},
		{"list item not an object", `{"apiVersion":"v1","kind":"List","items":["x"]}`, MaxBytes, "document 1: item 1 of the List is not an object"},
		{"items not a list", `{"apiVersion":"v1","kind":"PodList","items":{"a":1}}`, MaxBytes, "the PodList's items are not a list"},
		{"annotation not text", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"default","annotations":{"a":1}}}`, MaxBytes,
			`pod default/x: annotation "a" is a number, not a string; quote it`},
		{"name read as a boolean", "apiVersion: v1\nkind: Pod\nmetadata: {name: n}\n", MaxBytes, "a Pod: metadata.name is true/false, not a string; quote it"},
		{"labels not a map", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","labels":"a=b"}}`, MaxBytes, "pod x: metadata.labels is not a map of strings"},
	}
	for _, tt := range tests {
		_, err := read(strings.NewReader(tt.in), "in", tt.max)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "interface") || strings.Contains(err.Error(), "map[") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %q is not one line in user terms", tt.name, err)
		}
	}
	if objs, err := Read(strings.NewReader(`{"apiVersion":"v1","kind":"List","items":null}`), "in"); err != nil || len(objs.Items) != 0 {
		t.Errorf("an empty list: %v, %v", objs, err)
	}
}
