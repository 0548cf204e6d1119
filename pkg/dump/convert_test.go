package dump

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestConvertNamesTheField: a value of the wrong kind is reported by its field path and the kinds,
// in the user's terms (YAML reads yes, n and 1.0 unquoted as other types).
func TestConvertNamesTheField(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"kind: Node\nmetadata: {name: n}\n", "a Node: metadata.name is true/false, not a string; quote it"},
		{"kind: Node\nmetadata: {name: a}\nspec: {taints: yes}\n", `"spec.taints" is a JSON bool, want a list`},
		{"kind: Node\nmetadata: {name: a}\nspec: {podCIDR: [1]}\n", `"spec.podCIDR" is a JSON array, want a string`},
		{"kind: Node\nmetadata: {name: a}\nstatus: {conditions: [{type: Ready, status: 1.0}]}\n", `"status.conditions.status" is a JSON number, want a string`},
		{"kind: Node\nmetadata: {name: a, labels: {zone: 1}}\n", `node a: label "zone" is a number, not a string; quote it`},
		{"kind: Node\nmetadata: {name: a}\nspec: {podCIDR: 10.0.0.0/24}\n", ""},
	}
	for _, tc := range cases {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(tc.doc), &obj); err != nil {
			t.Fatal(err)
		}
		err := Convert(&unstructured.Unstructured{Object: obj}, &corev1.Node{})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.doc, got, tc.want)
		}
	}
}
