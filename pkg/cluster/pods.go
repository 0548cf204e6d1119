package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// tableAccept asks the apiserver for a meta.k8s.io Table instead of full objects.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

// DefaultPageSize is the number of pods read per request.
const DefaultPageSize = 1000

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
}

// PodLister reads pod metadata through a REST client for the core API group.
type PodLister struct {
	client rest.Interface
}

// NewPodLister returns a lister using client, which must be configured for /api (core/v1).
func NewPodLister(client rest.Interface) *PodLister { return &PodLister{client: client} }

// table is the part of a meta.k8s.io/v1 Table with includeObject=Metadata that the lister reads.
type table struct {
	Metadata struct {
		Continue string `json:"continue"`
	} `json:"metadata"`
	ColumnDefinitions []struct {
		Name string `json:"name"`
	} `json:"columnDefinitions"`
	Rows []struct {
		Cells  []json.RawMessage `json:"cells"`
		Object struct {
			Metadata struct {
				Name        string            `json:"name"`
				Namespace   string            `json:"namespace"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		} `json:"object"`
	} `json:"rows"`
}

// List returns the selected pods. A named pod that does not exist is an error naming it.
func (l *PodLister) List(ctx context.Context, q PodQuery) ([]inspect.PodMeta, error) {
	if len(q.Names) > 0 {
		var out []inspect.PodMeta
		for _, name := range q.Names {
			t, err := l.get(ctx, q, name, "")
			if err != nil {
				return nil, describe(err, "pod", q.Namespace, name, "get")
			}
			out = appendRows(out, t)
		}
		return out, nil
	}
	var out []inspect.PodMeta
	cont := ""
	for {
		t, err := l.get(ctx, q, "", cont)
		if err != nil {
			return nil, describe(err, "pods", q.Namespace, "", "list")
		}
		out = appendRows(out, t)
		if cont = t.Metadata.Continue; cont == "" {
			return out, nil
		}
	}
}

func (l *PodLister) get(ctx context.Context, q PodQuery, name, cont string) (*table, error) {
	limit := q.PageSize
	if limit <= 0 {
		limit = DefaultPageSize
	}
	req := l.client.Get().Namespace(q.Namespace).Resource("pods").
		SetHeader("Accept", tableAccept).
		Param("includeObject", "Metadata")
	if name != "" {
		req = req.Name(name)
	} else {
		req = req.Param("limit", strconv.FormatInt(limit, 10))
		if cont != "" {
			req = req.Param("continue", cont)
		}
		if q.LabelSelector != "" {
			req = req.Param("labelSelector", q.LabelSelector)
		}
		if q.FieldSelector != "" {
			req = req.Param("fieldSelector", q.FieldSelector)
		}
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

// appendRows turns table rows into PodMeta, reading the Status, IP and Node columns by name.
func appendRows(out []inspect.PodMeta, t *table) []inspect.PodMeta {
	status, ip, node := -1, -1, -1
	for i, c := range t.ColumnDefinitions {
		switch c.Name {
		case "Status":
			status = i
		case "IP":
			ip = i
		case "Node":
			node = i
		}
	}
	for _, r := range t.Rows {
		md := r.Object.Metadata
		m := inspect.PodMeta{Namespace: md.Namespace, Name: md.Name, Annotations: md.Annotations,
			Phase: cell(r.Cells, status), Node: cell(r.Cells, node)}
		if v := cell(r.Cells, ip); v != "" {
			m.PodIPs = []string{v}
		}
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
