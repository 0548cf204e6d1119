package tui

import (
	"context"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Data is one refresh of everything the TUI shows.
type Data struct {
	Pods     []inspect.Pod
	NADs     []*doctor.NAD
	Findings []doctor.Finding
	Pools    []doctor.PoolUsage
	// Events are sandbox-failure events by pod (namespace/name), newest first.
	Events map[string][]*corev1.Event
	Notes  []string
	At     time.Time
}

// Loader reads a fresh model: from the cluster, or the same dump every time.
type Loader func(ctx context.Context) (*doctor.Model, error)

// Load runs loader and the doctor checks, and packs the result for the TUI.
func Load(ctx context.Context, loader Loader, now func() time.Time) (Data, error) {
	m, err := loader(ctx)
	if err != nil {
		return Data{}, err
	}
	return pack(m, now), nil
}

// Source is the data of a live TUI: Load reads the cluster, Apply rebuilds the model read last with
// the pod changes a watch saw (a cluster.PodMirror), reading nothing else.
type Source struct {
	Loader Loader
	// Changes returns, and forgets, the pod changes seen since it was last called; nil means every
	// Apply reads Pods.
	Changes func() inspect.PodChanges
	// Pods returns the current pods.
	Pods func(ctx context.Context) ([]inspect.PodMeta, error)
	Now  func() time.Time

	mu   sync.Mutex
	last *doctor.Model
	// stale says changes were taken but not applied (a read failed): the next Apply reads every pod.
	stale bool
}

// Load reads everything through the loader. The changes seen before are forgotten: the loader reads
// the pods as they are now.
func (s *Source) Load(ctx context.Context) (Data, error) {
	if s.Changes != nil {
		s.Changes()
	}
	m, err := s.Loader(ctx)
	if err != nil {
		s.markStale()
		return Data{}, err
	}
	s.keep(m)
	return pack(m, s.Now), nil
}

// Apply rebuilds the last model with the changed pods, inspecting only those (all of them when the
// changes are not known one by one), and runs the checks again; before the first Load it loads.
func (s *Source) Apply(ctx context.Context) (Data, error) {
	s.mu.Lock()
	last, stale := s.last, s.stale
	s.mu.Unlock()
	if last == nil {
		return s.Load(ctx)
	}
	ch := inspect.PodChanges{All: true}
	if s.Changes != nil {
		ch = s.Changes()
		ch.All = ch.All || stale
	}
	var next *doctor.Model
	if ch.All {
		metas, err := s.Pods(ctx)
		if err != nil {
			s.markStale()
			return Data{}, err
		}
		next = last.WithPods(metas)
	} else {
		next = last.WithChanges(ch)
	}
	s.keep(next)
	return pack(next, s.Now), nil
}

// keep makes m the model the next Apply starts from.
func (s *Source) keep(m *doctor.Model) {
	s.mu.Lock()
	s.last, s.stale = m, false
	s.mu.Unlock()
}

func (s *Source) markStale() {
	s.mu.Lock()
	s.stale = true
	s.mu.Unlock()
}

// pack runs the doctor checks over m and packs the result for the TUI.
func pack(m *doctor.Model, now func() time.Time) Data {
	res := doctor.Run(m, doctor.All(now))
	d := Data{Pods: m.Pods, NADs: m.NADs, Findings: res.Findings, Pools: m.PoolUsage(), Notes: m.Notes,
		Events: map[string][]*corev1.Event{}, At: now()}
	for _, e := range m.Events {
		key := e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Name
		d.Events[key] = append(d.Events[key], e)
	}
	for _, es := range d.Events {
		sort.Slice(es, func(i, j int) bool { return es[i].LastTimestamp.After(es[j].LastTimestamp.Time) })
	}
	return d
}

// worst is the highest severity of the findings about each object ("Kind ns/name").
func worst(fs []doctor.Finding) map[string]doctor.Severity {
	out := map[string]doctor.Severity{}
	for _, f := range fs {
		k := f.Object.String()
		if s, ok := out[k]; !ok || f.Severity > s {
			out[k] = f.Severity
		}
	}
	return out
}
