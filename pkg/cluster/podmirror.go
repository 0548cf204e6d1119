package cluster

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// PodMirror keeps a copy of the selected pods current: it lists them once and then applies the
// changes of a watch from that list's resourceVersion, so a change costs one watched row, never a
// list of every pod. It lists again only when a watch fails (see Run).
type PodMirror struct {
	lister *PodLister
	query  PodQuery

	mu      sync.Mutex
	pods    map[string]inspect.PodMeta
	listed  chan struct{} // closed when the first list ended (with pods or an error)
	listErr error
	// pending are the pods changed since Changes was last called, by key: the pod's latest
	// metadata, or nil when it was deleted. relisted says the pods were listed again since.
	pending  map[string]*inspect.PodMeta
	relisted bool
	lists    int
}

// NewPodMirror returns a mirror of the pods q selects; Run fills it.
func NewPodMirror(l *PodLister, q PodQuery) *PodMirror {
	return &PodMirror{lister: l, query: q, listed: make(chan struct{})}
}

// Run lists and then watches until ctx ends. A watch the server closes is resumed where it ended; one
// that fails (it fell behind, or cannot be watched at all, say for want of the watch verb) is
// replaced by a new list, as client-go's reflector does, with a capped backoff. Until a list
// succeeds, List returns its error.
func (m *PodMirror) Run(ctx context.Context) {
	backoff := time.Second
	rv := ""
	for ctx.Err() == nil {
		if rv == "" {
			metas, at, err := m.lister.ListAt(ctx, m.query)
			m.setList(metas, err)
			if err != nil || at == "" {
				if !m.wait(ctx, &backoff) {
					return
				}
				continue
			}
			rv, backoff = at, time.Second
		}
		next, err := m.lister.Watch(ctx, m.query, rv, m.apply)
		switch {
		case errors.Is(err, ErrExpired):
			rv = "" // list again, now
			continue
		case err != nil:
			rv = "" // list again, after the backoff
		case next != rv:
			rv, backoff = next, time.Second
		}
		if !m.wait(ctx, &backoff) {
			return
		}
	}
}

// wait sleeps for backoff (doubling it up to 30 s); false when ctx ended first.
func (m *PodMirror) wait(ctx context.Context, backoff *time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(*backoff):
	}
	*backoff = min(*backoff*2, 30*time.Second)
	return true
}

func (m *PodMirror) setList(metas []inspect.PodMeta, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := m.lists == 0
	m.lists++
	if err == nil {
		m.pods = make(map[string]inspect.PodMeta, len(metas))
		for _, p := range metas {
			m.pods[p.Namespace+"/"+p.Name] = p
		}
		m.relisted, m.pending = !first, nil
	}
	if m.pods == nil {
		m.listErr = err
	} else {
		m.listErr = nil
	}
	if first {
		close(m.listed)
	}
}

func (m *PodMirror) apply(c PodChange) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := c.Pod.Namespace + "/" + c.Pod.Name
	if m.pending == nil {
		m.pending = map[string]*inspect.PodMeta{}
	}
	if c.Deleted {
		delete(m.pods, key)
		m.pending[key] = nil
	} else {
		m.pods[key] = c.Pod
		m.pending[key] = &c.Pod
	}
}

// List returns the mirrored pods in namespace, name order, waiting for the first list if it has not
// ended yet. q is ignored: the mirror holds the pods of the query it was made with.
func (m *PodMirror) List(ctx context.Context, _ PodQuery) ([]inspect.PodMeta, error) {
	select {
	case <-m.listed:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.listErr != nil {
		return nil, m.listErr
	}
	out := make([]inspect.PodMeta, 0, len(m.pods))
	for _, p := range m.pods {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Changed reports whether pods changed since Changes was last called.
func (m *PodMirror) Changed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.relisted || len(m.pending) > 0
}

// Changes returns, and forgets, the pods changed since it was last called: each pod once, as it is
// now. After a new list the changes are not known one by one, and All is set.
func (m *PodMirror) Changes() inspect.PodChanges {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := inspect.PodChanges{All: m.relisted}
	if !c.All {
		for _, key := range slices.Sorted(maps.Keys(m.pending)) {
			if p := m.pending[key]; p != nil {
				c.Changed = append(c.Changed, *p)
			} else {
				c.Deleted = append(c.Deleted, key)
			}
		}
	}
	m.relisted, m.pending = false, nil
	return c
}

// Lists is how many times the mirror has listed the pods.
func (m *PodMirror) Lists() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lists
}
