package install

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func node(name string, images ...[]any) unstructured.Unstructured {
	list := []any{}
	for _, names := range images {
		list = append(list, map[string]any{"names": names, "sizeBytes": int64(1)})
	}
	return unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": name}, "status": map[string]any{"images": list}}}
}

// TestCleanupImages: each node's cleanup runs the newest of our images the node holds, whether
// kubelet reports it with or without docker.io; a node that holds none gets the DaemonSet's.
func TestCleanupImages(t *testing.T) {
	images := []string{"ghcr.io/x/multinet-cni:v2", "multinet/multinet-cni:v1", "ghcr.io/x/multinet-cni:v0"}
	nodes := []unstructured.Unstructured{
		node("updated", []any{"ghcr.io/x/multinet-cni@sha256:aa", "ghcr.io/x/multinet-cni:v2"}, []any{"docker.io/multinet/multinet-cni:v1"}),
		node("stuck", []any{"docker.io/multinet/multinet-cni:v1"}, []any{"ghcr.io/x/multinet-cni:v0"}),
		node("oldest", []any{"ghcr.io/x/multinet-cni:v0"}),
		node("new"),
	}
	got := CleanupImages(images, nodes)
	want := map[string]string{"updated": images[0], "stuck": images[1], "oldest": images[2], "new": images[0]}
	for n, img := range want {
		if got[n] != img {
			t.Errorf("node %s: %q, want %q", n, got[n], img)
		}
	}
}

func TestRevisionImage(t *testing.T) {
	cases := []struct {
		data any
		want string
	}{
		{map[string]any{"spec": map[string]any{"template": map[string]any{"$patch": "replace", "spec": map[string]any{
			"containers": []any{map[string]any{"name": "install", "image": "multinet/multinet-cni:v1"}}}}}}, "multinet/multinet-cni:v1"},
		{map[string]any{"spec": map[string]any{}}, ""},
		{"not a patch", ""},
		{nil, ""},
	}
	for _, tc := range cases {
		if got := revisionImage(tc.data); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.data, got, tc.want)
		}
	}
}
