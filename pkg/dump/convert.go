package dump

import (
	"encoding/json"
	"errors"
	"reflect"

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
