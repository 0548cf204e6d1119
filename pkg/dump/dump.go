// Package dump reads offline snapshots: what `kubectl get ... -o yaml|json` writes, as one object, a
// List, or a multi-document YAML stream.
package dump

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Objects are the objects of a dump, Lists flattened, in file order.
type Objects struct {
	Items []unstructured.Unstructured
}

// MaxBytes is the most Read takes from one input (a dump of 100,000 pods as JSON is about 250 MiB).
const MaxBytes = 512 << 20

// Read decodes every document of r. name is used in errors (a path, or "stdin"). Input that is
// binary, or larger than MaxBytes, is refused with an error that says so.
func Read(r io.Reader, name string) (*Objects, error) { return read(r, name, MaxBytes) }

// read is Read with a cap of max bytes.
func read(r io.Reader, name string, max int64) (*Objects, error) {
	br := bufio.NewReaderSize(&capped{r: r, left: max, max: max, name: name}, 64*1024)
	if head, _ := br.Peek(2); bytes.Equal(head, gzipMagic) {
		return readArchive(br, name, max)
	}
	if head, _ := br.Peek(512); binary(head) {
		return nil, fmt.Errorf("read %s: binary data, not YAML or JSON; expected the output of kubectl get -o yaml or -o json", name)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(br, 64*1024)
	out := &Objects{}
	for doc := 1; ; doc++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if end, ferr := ended(err); end {
				return out, ferr
			}
			return nil, fmt.Errorf("read %s: document %d: %w; expected the output of kubectl get -o yaml or -o json", name, doc, err)
		}
		if len(m) == 0 {
			continue
		}
		if err := out.add(m, name, doc); err != nil {
			return nil, err
		}
	}
}

// gzipMagic starts a gzip stream: a support bundle (kubectl multinet bundle).
var gzipMagic = []byte{0x1f, 0x8b}

// readArchive reads the objects of a bundle: the JSON files under its cluster/ and nodes/
// directories; its other files (versions, notes) are for people. At most max bytes are unpacked.
func readArchive(r io.Reader, name string, max int64) (*Objects, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: a gzip file that does not open (%v); give a bundle written by kubectl multinet bundle, or kubectl get -o yaml output", name, err)
	}
	tr := tar.NewReader(&capped{r: gz, left: max, max: max, name: name})
	out := &Objects{}
	for {
		hdr, err := tr.Next()
		if end, ferr := ended(err); end {
			return out, ferr
		} else if err != nil {
			return nil, fmt.Errorf("read %s: not a bundle written by kubectl multinet bundle: %v", name, err)
		}
		dir := path.Dir(path.Dir(hdr.Name))
		if hdr.Typeflag != tar.TypeReg || !strings.HasSuffix(hdr.Name, ".json") ||
			!(strings.HasSuffix(path.Dir(hdr.Name), "/cluster") || path.Base(dir) == "nodes") {
			continue
		}
		objs, err := read(tr, name+": "+hdr.Name, max)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, objs.Items...)
	}
}

// ended says whether a read error ends the input: at its end (no error) or past MaxBytes.
func ended(err error) (bool, error) {
	var tooBig *tooLarge
	switch {
	case errors.Is(err, io.EOF):
		return true, nil
	case errors.As(err, &tooBig):
		return true, tooBig
	}
	return false, nil
}

// binary says whether the start of an input is not text: a NUL byte, or bytes that are not UTF-8
// (a rune cut at the end of head does not count).
func binary(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	for cut := 0; cut < utf8.UTFMax && cut <= len(head); cut++ {
		if utf8.Valid(head[:len(head)-cut]) {
			return false
		}
	}
	return true
}

// capped reads at most left bytes of r, then fails with tooLarge.
type capped struct {
	r         io.Reader
	left, max int64
	name      string
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, &tooLarge{name: c.name, max: c.max}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// tooLarge is an input past MaxBytes.
type tooLarge struct {
	name string
	max  int64
}

func (e *tooLarge) Error() string {
	return fmt.Sprintf("read %s: larger than %d bytes (the limit is %d MiB); dump fewer objects (kubectl get -n NAMESPACE, or -l SELECTOR)", e.name, e.max, MaxBytes>>20)
}

func (o *Objects) add(m map[string]any, name string, doc int) error {
	u := unstructured.Unstructured{Object: m}
	items, isList := m["items"]
	if !isList || !strings.HasSuffix(u.GetKind(), "List") {
		if u.GetKind() == "" {
			return fmt.Errorf("read %s: document %d has no kind; expected the output of kubectl get -o yaml or -o json", name, doc)
		}
		if kind := u.GetKind(); kind == "Pod" || kind == "NetworkAttachmentDefinition" { // what status reads
			if err := CheckMetadata(u); err != nil {
				return fmt.Errorf("read %s: document %d: %w", name, doc, err)
			}
		}
		o.Items = append(o.Items, u)
		return nil
	}
	list, ok := items.([]any)
	if !ok && items != nil {
		return fmt.Errorf("read %s: document %d: the %s's items are not a list", name, doc, u.GetKind())
	}
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("read %s: document %d: item %d of the %s is not an object", name, doc, i+1, u.GetKind())
		}
		if err := o.add(obj, name, doc); err != nil {
			return err
		}
	}
	return nil
}

// CheckMetadata rejects a name, namespace, labels and annotations that are not text (YAML reads
// n, yes, 1.0 unquoted as other types), naming the key.
func CheckMetadata(u unstructured.Unstructured) error {
	for _, field := range []string{"name", "namespace"} {
		if v, found, _ := unstructured.NestedFieldNoCopy(u.Object, "metadata", field); found {
			if _, ok := v.(string); !ok {
				return fmt.Errorf("a %s: metadata.%s is %s, not a string; quote it", u.GetKind(), field, kindOf(v))
			}
		}
	}
	for _, field := range []string{"labels", "annotations"} {
		raw, found, _ := unstructured.NestedFieldNoCopy(u.Object, "metadata", field)
		if !found || raw == nil {
			continue
		}
		values, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("%s %s: metadata.%s is not a map of strings", strings.ToLower(u.GetKind()), objectName(u), field)
		}
		for k, v := range values {
			if _, ok := v.(string); !ok {
				return fmt.Errorf("%s %s: %s %q is %s, not a string; quote it", strings.ToLower(u.GetKind()), objectName(u), strings.TrimSuffix(field, "s"), k, kindOf(v))
			}
		}
	}
	return nil
}

func objectName(u unstructured.Unstructured) string {
	if u.GetNamespace() == "" {
		return u.GetName()
	}
	return u.GetNamespace() + "/" + u.GetName()
}

// kindOf names a decoded YAML/JSON value's kind.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case bool:
		return "true/false"
	case int64, float64, int:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "not text"
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
// complete for every namespace the dump has a NAD or a NAD list in. An object that cannot be
// converted is left out and named in Skipped with the reason; the rest are read.
func (o *Objects) Snapshot() (inspect.Snapshot, error) {
	s := inspect.Snapshot{NADs: inspect.NewNADSet()}
	for _, u := range o.Kind("", "Pod") {
		var pod corev1.Pod
		if err := Convert(&u, &pod); err != nil {
			s.Skipped = append(s.Skipped, fmt.Sprintf("skipped pod %s: %v", objectName(u), err))
			continue
		}
		s.Pods = append(s.Pods, inspect.MetaFromPod(&pod))
	}
	for _, u := range o.Kind(nadv1.SchemeGroupVersion.Group, "NetworkAttachmentDefinition") {
		nad, err := NAD(&u)
		if err != nil {
			s.Skipped = append(s.Skipped, fmt.Sprintf("skipped networkattachmentdefinition %s: %v", objectName(u), err))
			continue
		}
		s.NADs.Add(nad)
		s.NADs.MarkComplete(nad.Namespace)
	}
	for _, u := range o.Kind("resource.k8s.io", "ResourceClaim") {
		s.Claims = append(s.Claims, inspect.ClaimFromObject(u.Object))
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
