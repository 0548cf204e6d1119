package dump

import (
	"encoding/json"
	"errors"
	"reflect"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Convert fills dst (a pointer to an API type) from u. When a field holds the wrong kind of value,
// the error names that field and both kinds ("spec.ports is a JSON string, want a list"), never the
// Go types the converter would name.
func Convert(u *unstructured.Unstructured, dst any) error {
	if err := CheckMetadata(*u); err != nil {
		return err
	}
	err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, dst)
	if err == nil {
		return nil
	}
	data, merr := json.Marshal(u.Object)
	if merr != nil {
		return errors.New("it holds a value that is not JSON")
	}
	probe := reflect.New(reflect.TypeOf(dst).Elem()).Interface()
	if problem, isType := inspect.JSONProblem(json.Unmarshal(data, probe)); isType {
		return problem
	}
	return errors.New("a field has the wrong kind of value")
}

// NAD converts a NetworkAttachmentDefinition. A spec.config that is not a string is kept as its JSON
// text, so that reading the config reports what it is ("the value is a JSON number, want an object")
// and the NAD still counts as present.
func NAD(u *unstructured.Unstructured) (*nadv1.NetworkAttachmentDefinition, error) {
	if v, found, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "config"); found && v != nil {
		if _, ok := v.(string); !ok {
			text, err := json.Marshal(v)
			if err != nil {
				return nil, errors.New("spec.config is not JSON")
			}
			u = u.DeepCopy()
			if err := unstructured.SetNestedField(u.Object, string(text), "spec", "config"); err != nil {
				return nil, errors.New("spec is not an object")
			}
		}
	}
	n := &nadv1.NetworkAttachmentDefinition{}
	return n, Convert(u, n)
}
