package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// PodChange is one watched change: the pod as it is now, or, when Deleted, the pod that went.
type PodChange struct {
	Pod     inspect.PodMeta
	Deleted bool
}

// ErrExpired says a watch's resourceVersion is older than the API server keeps: list again.
var ErrExpired = errors.New("the pod watch fell too far behind; the pods are listed again")

// watchEvent is one event of a Table watch.
type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// Watch streams the changes to the selected pods after resourceVersion rv (from ListAt) to changed,
// with the same fields List reads: a server-side Table watch with each row's metadata, as kubectl
// get --watch does, so a change costs one row and no pod spec. It returns the resourceVersion of
// the last change it passed on, so that a caller continues from there, and the error that ended the
// watch: ctx's, ErrExpired (wrapped) when rv is too old, or the API server's. A watch the server
// closes ends with a nil error.
func (l *PodLister) Watch(ctx context.Context, q PodQuery, rv string, changed func(PodChange)) (string, error) {
	req := l.core.Get().Namespace(q.Namespace).Resource("pods").
		SetHeader("Accept", tableAccept).
		Param("includeObject", "Metadata").
		Param("watch", "true").
		Param("resourceVersion", rv)
	if q.LabelSelector != "" {
		req = req.Param("labelSelector", q.LabelSelector)
	}
	if q.FieldSelector != "" {
		req = req.Param("fieldSelector", q.FieldSelector)
	}
	body, err := req.Stream(ctx)
	if err != nil {
		if apierrors.IsGone(err) || apierrors.IsResourceExpired(err) {
			return rv, fmt.Errorf("%w: %w", ErrExpired, err)
		}
		return rv, describe(err, "pods", q.Namespace, "", "watch")
	}
	defer body.Close()
	return decodeWatch(body, rv, changed)
}

// decodeWatch reads Table watch events from r until it ends. The server sends the column
// definitions with the first event only; rows of later events use them.
func decodeWatch(r io.Reader, rv string, changed func(PodChange)) (string, error) {
	dec := json.NewDecoder(r)
	cols := columns{-1, -1, -1, -1}
	haveCols := false
	for {
		var ev watchEvent
		if err := dec.Decode(&ev); err != nil {
			if errors.Is(err, io.EOF) {
				return rv, nil
			}
			return rv, fmt.Errorf("read pod watch: %w", err)
		}
		switch ev.Type {
		case "ADDED", "MODIFIED", "DELETED":
		case "ERROR":
			var st metav1.Status
			if err := json.Unmarshal(ev.Object, &st); err != nil {
				return rv, fmt.Errorf("read pod watch error: %w", err)
			}
			serr := &apierrors.StatusError{ErrStatus: st}
			if st.Code == http.StatusGone || apierrors.IsResourceExpired(serr) {
				return rv, fmt.Errorf("%w: %w", ErrExpired, serr)
			}
			return rv, fmt.Errorf("pod watch: %w", serr)
		default: // BOOKMARK, or a type this reader does not know
			continue
		}
		var t table
		if err := json.Unmarshal(ev.Object, &t); err != nil {
			return rv, fmt.Errorf("read pod watch event: %w", err)
		}
		if len(t.ColumnDefinitions) > 0 {
			cols, haveCols = columnsOf(&t), true
		}
		for _, row := range t.Rows {
			if row.Object == nil {
				continue
			}
			md := row.Object.Metadata
			m := inspect.PodMeta{Namespace: md.Namespace, Name: md.Name, Labels: md.Labels, Annotations: md.Annotations}
			if haveCols {
				cols.fill(&m, row.Cells)
			}
			changed(PodChange{Pod: m, Deleted: ev.Type == "DELETED"})
			if md.ResourceVersion != "" {
				rv = md.ResourceVersion
			}
		}
	}
}
