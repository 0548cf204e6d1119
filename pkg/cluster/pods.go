package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// tableAccept asks the apiserver for a meta.k8s.io Table instead of full objects.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

// DefaultPageSize is the number of pods read per request.
const DefaultPageSize = 500

// PodQuery selects pods.
type PodQuery struct {
	// Namespace is "" for all namespaces.
	Namespace     string
	LabelSelector string
	FieldSelector string
	// Names, when set, selects these pods of Namespace only.
	Names []string
	// PageSize is the list limit per request; 0 means DefaultPageSize.
	PageSize int64
	// Cached reads from the API server's watch cache (resourceVersion "0"), which can lag by
	// moments: 10–25 % faster at 10k–30k pods in make bench-scale, but the cache answers the whole
	// list in one piece, so the peak memory doubles. Otherwise a list is consistent and paginated.
	Cached bool
}

// first sets the resourceVersion of a list's first page: the watch cache's when q.Cached.
func (q PodQuery) first(opts *metav1.ListOptions) {
	if q.Cached {
		opts.ResourceVersion, opts.ResourceVersionMatch = "0", metav1.ResourceVersionMatchNotOlderThan
	}
}

// PodLister reads pod metadata and the node, status and IP columns, without pod specs.
//
// A list is two requests at one resourceVersion, run concurrently: the metadata (annotations) as a
// paginated protobuf PartialObjectMetadataList, and a server-side Table without objects for the
// columns (about 250 bytes a pod). Both are the same snapshot in the same order, so rows pair up by
// position; the pairing is checked by name, and a paginated Table with includeObject=Metadata (one
// request kind, but JSON with every managedFields entry) is the fallback.
type PodLister struct {
	core rest.Interface
	meta metadata.Interface
}

// NewPodLister returns a lister. core must be configured for /api (core/v1); meta is the metadata
// client (protobuf).
func NewPodLister(core rest.Interface, meta metadata.Interface) *PodLister {
	return &PodLister{core: core, meta: meta}
}

// table is the part of a meta.k8s.io/v1 Table (with includeObject=Metadata or None) the lister reads.
type table struct {
	Metadata struct {
		Continue        string `json:"continue"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	ColumnDefinitions []struct {
		Name string `json:"name"`
	} `json:"columnDefinitions"`
	Rows []struct {
		Cells  []json.RawMessage `json:"cells"`
		Object *struct {
			Metadata struct {
				Name            string            `json:"name"`
				Namespace       string            `json:"namespace"`
				ResourceVersion string            `json:"resourceVersion"`
				Labels          map[string]string `json:"labels"`
				Annotations     map[string]string `json:"annotations"`
			} `json:"metadata"`
		} `json:"object"`
	} `json:"rows"`
}

// List returns the selected pods in namespace, name order. A named pod that does not exist is an
// error naming it.
func (l *PodLister) List(ctx context.Context, q PodQuery) ([]inspect.PodMeta, error) {
	out, _, err := l.ListAt(ctx, q)
	return out, err
}

// ListAt is List that also returns the resourceVersion the list was read at, from which Watch
// continues ("" for named pods, which are read one by one).
func (l *PodLister) ListAt(ctx context.Context, q PodQuery) ([]inspect.PodMeta, string, error) {
	if q.PageSize <= 0 {
		q.PageSize = DefaultPageSize
	}
	if len(q.Names) > 0 {
		var out []inspect.PodMeta
		for _, name := range q.Names {
			t, err := l.table(ctx, q, name, "", "Metadata", "")
			if err != nil {
				return nil, "", describe(err, "pod", q.Namespace, name, "get")
			}
			out = appendRows(out, t)
		}
		return out, "", nil
	}
	out, rv, ok, err := l.listPaired(ctx, q)
	if err != nil {
		return nil, "", describe(err, "pods", q.Namespace, "", "list")
	}
	if ok {
		return out, rv, nil
	}
	return l.listTables(ctx, q)
}

// Keys returns "namespace/name" of every selected pod, from the metadata list alone (no Table): what
// a caller needs that only asks which pods exist.
func (l *PodLister) Keys(ctx context.Context, q PodQuery) ([]string, error) {
	if q.PageSize <= 0 {
		q.PageSize = DefaultPageSize
	}
	res := l.meta.Resource(gvr.Pods).Namespace(q.Namespace)
	opts := metav1.ListOptions{LabelSelector: q.LabelSelector, FieldSelector: q.FieldSelector, Limit: q.PageSize}
	q.first(&opts)
	var out []string
	for {
		page, err := res.List(ctx, opts)
		if err != nil {
			return nil, describe(err, "pods", q.Namespace, "", "list")
		}
		for i := range page.Items {
			out = append(out, page.Items[i].Namespace+"/"+page.Items[i].Name)
		}
		if opts.Continue = page.Continue; opts.Continue == "" {
			return out, nil
		}
		opts.ResourceVersion, opts.ResourceVersionMatch = "", ""
	}
}

// listPaired is the two-request list, and its resourceVersion. ok is false when the two did not pair
// up.
func (l *PodLister) listPaired(ctx context.Context, q PodQuery) (out []inspect.PodMeta, rv string, ok bool, err error) {
	res := l.meta.Resource(gvr.Pods).Namespace(q.Namespace)
	opts := metav1.ListOptions{LabelSelector: q.LabelSelector, FieldSelector: q.FieldSelector, Limit: q.PageSize}
	q.first(&opts)
	type tableResult struct {
		t   *table
		err error
	}
	var cols chan tableResult
	for {
		page, err := res.List(ctx, opts)
		if err != nil {
			return nil, "", false, err
		}
		if cols == nil {
			rv = page.ResourceVersion
			cols = make(chan tableResult, 1)
			go func(rv string) {
				t, err := l.table(ctx, q, "", "", "None", rv)
				cols <- tableResult{t, err}
			}(page.ResourceVersion)
		}
		for i := range page.Items {
			m := &page.Items[i]
			out = append(out, inspect.PodMeta{Namespace: m.Namespace, Name: m.Name, Labels: m.Labels, Annotations: m.Annotations})
		}
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
		opts.ResourceVersion, opts.ResourceVersionMatch = "", "" // a continue token carries its version
	}
	if cols == nil {
		return out, rv, true, nil
	}
	r := <-cols
	if r.err != nil || len(r.t.Rows) != len(out) {
		return nil, "", false, nil
	}
	c := columnsOf(r.t)
	for i, row := range r.t.Rows {
		if cell(row.Cells, c.name) != out[i].Name {
			return nil, "", false, nil
		}
		c.fill(&out[i], row.Cells)
	}
	return out, rv, true, nil
}

// listTables reads pages of Table with includeObject=Metadata.
func (l *PodLister) listTables(ctx context.Context, q PodQuery) ([]inspect.PodMeta, string, error) {
	var out []inspect.PodMeta
	cont, rv := "", ""
	for {
		t, err := l.table(ctx, q, "", cont, "Metadata", "")
		if err != nil {
			return nil, "", describe(err, "pods", q.Namespace, "", "list")
		}
		if rv == "" {
			rv = t.Metadata.ResourceVersion
		}
		out = appendRows(out, t)
		if cont = t.Metadata.Continue; cont == "" {
			return out, rv, nil
		}
	}
}

// table requests one Table: a named pod, a page (cont, or "" for the first, limited to PageSize unless
// rv is set), or with rv the whole list at exactly that resourceVersion.
func (l *PodLister) table(ctx context.Context, q PodQuery, name, cont, includeObject, rv string) (*table, error) {
	req := l.core.Get().Namespace(q.Namespace).Resource("pods").
		SetHeader("Accept", tableAccept).
		Param("includeObject", includeObject)
	switch {
	case name != "":
		req = req.Name(name)
	case rv != "":
		req = req.Param("resourceVersion", rv).Param("resourceVersionMatch", string(metav1.ResourceVersionMatchExact))
	default:
		req = req.Param("limit", strconv.FormatInt(q.PageSize, 10))
		if cont != "" {
			req = req.Param("continue", cont)
		}
	}
	if name == "" && q.LabelSelector != "" {
		req = req.Param("labelSelector", q.LabelSelector)
	}
	if name == "" && q.FieldSelector != "" {
		req = req.Param("fieldSelector", q.FieldSelector)
	}
	body, err := req.Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var t table
	if err := json.NewDecoder(body).Decode(&t); err != nil {
		return nil, fmt.Errorf("decode pod table: %w", err)
	}
	return &t, nil
}

// columns are the positions of the Table columns the lister reads (-1 when absent).
type columns struct{ name, status, ip, node int }

func columnsOf(t *table) columns {
	c := columns{-1, -1, -1, -1}
	for i, d := range t.ColumnDefinitions {
		switch d.Name {
		case "Name":
			c.name = i
		case "Status":
			c.status = i
		case "IP":
			c.ip = i
		case "Node":
			c.node = i
		}
	}
	return c
}

func (c columns) fill(m *inspect.PodMeta, cells []json.RawMessage) {
	m.Phase, m.Node = cell(cells, c.status), cell(cells, c.node)
	if v := cell(cells, c.ip); v != "" {
		m.PodIPs = []string{v}
	}
}

// appendRows turns Table rows with metadata into PodMeta.
func appendRows(out []inspect.PodMeta, t *table) []inspect.PodMeta {
	c := columnsOf(t)
	for _, r := range t.Rows {
		if r.Object == nil {
			continue
		}
		md := r.Object.Metadata
		m := inspect.PodMeta{Namespace: md.Namespace, Name: md.Name, Labels: md.Labels, Annotations: md.Annotations}
		c.fill(&m, r.Cells)
		out = append(out, m)
	}
	return out
}

// cell is the string in column i, "" when absent or "<none>".
func cell(cells []json.RawMessage, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	var s string
	if json.Unmarshal(cells[i], &s) != nil || s == "<none>" {
		return ""
	}
	return s
}
