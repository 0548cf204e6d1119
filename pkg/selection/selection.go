// Package selection is which pods a command looks at and where it reads them from: a namespace or
// all of them, label and field selectors, pod names, and a dump file instead of the cluster. status,
// doctor, graph, tui and attach share it, so one set of flags means the same everywhere.
package selection

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Selection chooses pods.
type Selection struct {
	// Namespace is the kubeconfig's (or -n's) namespace.
	Namespace string
	// ExplicitNamespace says -n was given.
	ExplicitNamespace bool
	AllNamespaces     bool
	LabelSelector     string
	FieldSelector     string
	// Names are pod names in Namespace.
	Names []string
	// Files are dumps to read instead of the cluster ("-" for In), all of them, as kubectl -f does.
	Files []string
	In    io.Reader
	// ChunkSize is the number of pods read per request (0: cluster.DefaultPageSize).
	ChunkSize int64
	// Cached reads pods from the API server's watch cache (cluster.PodQuery.Cached).
	Cached bool
}

// PodNames reads pod arguments: NAME, pod/NAME, pods/NAME or po/NAME.
func PodNames(args []string) ([]string, error) {
	var names []string
	for _, a := range args {
		kind, name, found := strings.Cut(a, "/")
		if !found {
			name, kind = kind, "pod"
		}
		switch strings.ToLower(kind) {
		case "pod", "pods", "po":
		default:
			return nil, cli.Usagef("argument %q: only pods are supported, use pod/NAME or NAME", a)
		}
		if name == "" {
			return nil, cli.Usagef("argument %q has no pod name", a)
		}
		names = append(names, name)
	}
	return names, nil
}

// Validate rejects selections that cannot work, naming the flag.
func (s Selection) Validate() error {
	if s.ChunkSize < 0 {
		return cli.Usagef("--chunk-size %d must be 0 or more", s.ChunkSize)
	}
	if s.AllNamespaces && len(s.Names) > 0 {
		return cli.Usagef("pod names cannot be combined with --all-namespaces; use -n NAMESPACE")
	}
	if s.Offline() && s.FieldSelector != "" {
		return cli.Usagef("--field-selector cannot be used with --filename; it is evaluated by the API server")
	}
	if _, err := labels.Parse(s.LabelSelector); err != nil {
		return cli.Usagef("--selector %q: %v", s.LabelSelector, err)
	}
	if _, err := fields.ParseSelector(s.FieldSelector); err != nil {
		return cli.Usagef("--field-selector %q: %v", s.FieldSelector, err)
	}
	return nil
}

// Scope is the namespace read from the cluster: "" for all namespaces.
func (s Selection) Scope() string {
	if s.AllNamespaces {
		return ""
	}
	return s.Namespace
}

// Query is the cluster read of the selection.
func (s Selection) Query() cluster.PodQuery {
	return cluster.PodQuery{Namespace: s.Scope(), LabelSelector: s.LabelSelector, FieldSelector: s.FieldSelector, Names: s.Names, PageSize: s.ChunkSize, Cached: s.Cached}
}

// Narrowed says whether the selection is less than every pod of the cluster (or the dump).
func (s Selection) Narrowed() bool {
	return s.Scope() != "" && (!s.Offline() || s.ExplicitNamespace) || s.LabelSelector != "" || s.FieldSelector != "" || len(s.Names) > 0
}

// ManyNamespaces says whether results can span namespaces (and tables need a NAMESPACE column).
func (s Selection) ManyNamespaces() bool {
	return s.AllNamespaces || s.Offline() && !s.ExplicitNamespace
}

// Matches says whether a pod of a dump is selected: in the namespace when -n was given, one of the
// names, matching the label selector.
func (s Selection) Matches(p inspect.PodMeta) bool {
	if s.ExplicitNamespace && !s.AllNamespaces && p.Namespace != s.Namespace {
		return false
	}
	if !s.Offline() && !s.AllNamespaces && p.Namespace != s.Namespace {
		return false
	}
	if len(s.Names) > 0 && !slices.Contains(s.Names, p.Name) {
		return false
	}
	sel, err := labels.Parse(s.LabelSelector)
	return err == nil && sel.Matches(labels.Set(p.Labels))
}

// Offline says the pods are read from files, not the cluster.
func (s Selection) Offline() bool { return len(s.Files) > 0 }

// Source names the files in messages ("stdin" for -).
func (s Selection) Source() string {
	names := make([]string, len(s.Files))
	for i, f := range s.Files {
		names[i] = dump.Source(f)
	}
	return strings.Join(names, ", ")
}

// Dump reads every file of the selection into one set of objects.
func (s Selection) Dump() (*dump.Objects, error) {
	all := &dump.Objects{}
	for _, name := range s.Files {
		objs, err := readFile(name, s.In)
		if err != nil {
			return nil, err
		}
		all.Items = append(all.Items, objs.Items...)
	}
	return all, nil
}

func readFile(name string, stdin io.Reader) (*dump.Objects, error) {
	if name == "-" {
		return dump.Read(stdin, dump.Source(name))
	}
	f, err := os.Open(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("-f %s: no such file; check the path", name)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("-f %s: permission denied; run as a user who may read it, or pipe it to -f -", name)
	case err != nil:
		return nil, fmt.Errorf("-f %s: %w", name, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("-f %s is a directory; give a file written by kubectl get -o yaml (or -o json), or - for stdin", name)
	}
	return dump.Read(f, dump.Source(name))
}

// Snapshot reads the selection's file and keeps the selected pods (every NAD stays). Naming a pod
// the dump lacks is an error.
func (s Selection) Snapshot() (inspect.Snapshot, error) {
	objs, err := s.Dump()
	if err != nil {
		return inspect.Snapshot{}, err
	}
	snap, err := objs.Snapshot()
	if err != nil {
		return snap, fmt.Errorf("%s: %w", s.Source(), err)
	}
	keep := snap.Pods[:0]
	for _, p := range snap.Pods {
		if s.Matches(p) {
			keep = append(keep, p)
		}
	}
	snap.Pods = keep
	if len(s.Names) > 0 && len(keep) == 0 {
		return snap, fmt.Errorf("pod %q not found in %s; check the name and -n/--namespace", s.Names[0], s.Source())
	}
	return snap, nil
}
