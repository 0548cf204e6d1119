// Package dump reads offline snapshots: what `kubectl get ... -o yaml|json` writes, as one object, a
// List, or a multi-document YAML stream.
package dump

import (
	"errors"
	"fmt"
	"io"
	"strings"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Objects are the objects of a dump, Lists flattened, in file order.
type Objects struct {
	Items []unstructured.Unstructured
}

// Read decodes every document of r. name is used in errors (a path, or "stdin").
func Read(r io.Reader, name string) (*Objects, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 64*1024)
	out := &Objects{}
	for doc := 1; ; doc++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("read %s: document %d: %w; expected the output of kubectl get -o yaml or -o json", name, doc, err)
		}
		if len(m) == 0 {
			continue
		}
		if err := out.add(unstructured.Unstructured{Object: m}, name, doc); err != nil {
			return nil, err
		}
	}
}

func (o *Objects) add(u unstructured.Unstructured, name string, doc int) error {
	if !u.IsList() {
		if u.GetKind() == "" {
			return fmt.Errorf("read %s: document %d has no kind; expected the output of kubectl get -o yaml or -o json", name, doc)
		}
		o.Items = append(o.Items, u)
		return nil
	}
	return u.EachListItem(func(obj runtime.Object) error {
		item, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("read %s: document %d: list item is %T", name, doc, obj)
		}
		return o.add(*item, name, doc)
	})
}

// Kind returns the items of one kind (and API group, "" for core).
func (o *Objects) Kind(group, kind string) []unstructured.Unstructured {
	var out []unstructured.Unstructured
	for _, u := range o.Items {
		gv := u.GroupVersionKind()
		if gv.Kind == kind && gv.Group == group {
			out = append(out, u)
		}
	}
	return out
}

// Has reports whether the dump holds any object of the kind.
func (o *Objects) Has(group, kind string) bool { return len(o.Kind(group, kind)) > 0 }

// Snapshot converts the dump's Pods and NetworkAttachmentDefinitions for inspection. NADs count as
// complete for every namespace the dump has a NAD or a NAD list in.
func (o *Objects) Snapshot() (inspect.Snapshot, error) {
	s := inspect.Snapshot{NADs: inspect.NewNADSet()}
	for _, u := range o.Kind("", "Pod") {
		var pod corev1.Pod
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &pod); err != nil {
			return s, fmt.Errorf("pod %s/%s: %w", u.GetNamespace(), u.GetName(), err)
		}
		s.Pods = append(s.Pods, inspect.MetaFromPod(&pod))
	}
	for _, u := range o.Kind(nadv1.SchemeGroupVersion.Group, "NetworkAttachmentDefinition") {
		var nad nadv1.NetworkAttachmentDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &nad); err != nil {
			return s, fmt.Errorf("networkattachmentdefinition %s/%s: %w", u.GetNamespace(), u.GetName(), err)
		}
		s.NADs.Add(&nad)
		s.NADs.MarkComplete(nad.Namespace)
	}
	return s, nil
}

// Source names a dump for messages: "stdin" for "-".
func Source(path string) string {
	if path == "-" || strings.TrimSpace(path) == "" {
		return "stdin"
	}
	return path
}
