package install

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// CleanupImages picks, for each node, the image its cleanup pod runs: the first of images (the
// DaemonSet's, then its past revisions', newest first) that the node reports holding, else the
// DaemonSet's. Mid-rollout to an image some nodes cannot pull, those nodes still hold the one they
// ran, so their cleanup runs too.
func CleanupImages(images []string, nodes []unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	for _, n := range nodes {
		held := map[string]bool{}
		list, _, _ := unstructured.NestedSlice(n.Object, "status", "images")
		for _, img := range list {
			m, _ := img.(map[string]any)
			names, _, _ := unstructured.NestedStringSlice(m, "names")
			for _, name := range names {
				held[name] = true
				held[strings.TrimPrefix(name, "docker.io/library/")] = true
				held[strings.TrimPrefix(name, "docker.io/")] = true
			}
		}
		out[n.GetName()] = images[0]
		for _, img := range images {
			if held[img] || held["docker.io/"+img] {
				out[n.GetName()] = img
				break
			}
		}
	}
	return out
}

// daemonSetImages returns ds's image, then those of its past revisions, newest first, each once.
func (c Client) daemonSetImages(ctx context.Context, ds *unstructured.Unstructured, current string) ([]string, error) {
	sel, _, _ := unstructured.NestedStringMap(ds.Object, "spec", "selector", "matchLabels")
	revs, err := c.Dyn.Resource(gvr.ControllerRevisions).Namespace(ds.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: labels(sel)})
	if err != nil {
		return nil, fmt.Errorf("list the revisions of daemonset %s/%s: %w", ds.GetNamespace(), ds.GetName(), err)
	}
	items := revs.Items
	sort.Slice(items, func(i, j int) bool {
		ri, _, _ := unstructured.NestedInt64(items[i].Object, "revision")
		rj, _, _ := unstructured.NestedInt64(items[j].Object, "revision")
		return ri > rj
	})
	images := []string{current}
	for _, r := range items {
		if img := revisionImage(r.Object["data"]); img != "" && !slices.Contains(images, img) {
			images = append(images, img)
		}
	}
	return images, nil
}

// revisionImage reads the first container's image from a DaemonSet ControllerRevision's data (a
// patch of the pod template).
func revisionImage(data any) string {
	raw, err := json.Marshal(data)
	if err != nil {
		return ""
	}
	var patch struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Image string `json:"image"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if json.Unmarshal(raw, &patch) != nil || len(patch.Spec.Template.Spec.Containers) == 0 {
		return ""
	}
	return patch.Spec.Template.Spec.Containers[0].Image
}

func labels(sel map[string]string) string {
	parts := make([]string, 0, len(sel))
	for k, v := range sel {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
