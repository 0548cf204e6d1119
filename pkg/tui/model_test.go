package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kubectl-multinet/kubectl-multinet/internal/fixtures"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

var fixedNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// scenario loads the demo scenario (built from the seeds' annotations) as the TUI would.
func scenario(t testing.TB) Data {
	t.Helper()
	return load(t, fixtures.DemoScenario(t))
}

// load reads a dump as the TUI would.
func load(t testing.TB, objs *dump.Objects) Data {
	t.Helper()
	d, err := Load(context.Background(), func(context.Context) (*doctor.Model, error) { return doctor.FromDump(objs) },
		func() time.Time { return fixedNow })
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// loaded is a model that received the scenario and a window size.
func loaded(t testing.TB, w, h int) Model {
	m := New(Config{})
	return send(m, tea.WindowSizeMsg{Width: w, Height: h}, dataMsg{data: scenario(t)})
}

func send(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

func keys(s ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range s {
		switch k {
		case "enter":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEscape})
		case "tab":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyTab})
		case "down":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyDown})
		case "backspace":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyBackspace})
		default:
			for _, r := range k {
				out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
	return out
}

func TestUpdate(t *testing.T) {
	m := loaded(t, 80, 24)
	if len(m.rows) != 7 || m.view != viewPods {
		t.Fatalf("rows %d view %d", len(m.rows), m.view)
	}
	m = send(m, keys("/", "upf")...)
	if !m.filtering || len(m.rows) != 2 {
		t.Fatalf("filter upf: filtering %v, %d rows", m.filtering, len(m.rows))
	}
	m = send(m, keys("enter", "down", "enter")...)
	if m.view != viewDetail || m.detail != "cnf/upf-1" {
		t.Fatalf("detail of %q in view %d", m.detail, m.view)
	}
	if body := strings.Join(m.body(), "\n"); !strings.Contains(body, "10.30.3.11") || !strings.Contains(body, "missing") {
		t.Errorf("detail body lacks net IP or missing state:\n%s", body)
	}
	m = send(m, keys("esc", "esc")...)
	if m.view != viewPods || m.filter != "" || len(m.rows) != 7 {
		t.Fatalf("esc esc: view %d filter %q rows %d", m.view, m.filter, len(m.rows))
	}
	m = send(m, keys("tab")...)
	if m.view != viewNetworks || len(m.rows) != 4 {
		t.Fatalf("tab: view %d rows %d", m.view, len(m.rows))
	}
	m = send(m, keys("enter")...) // the first network: its pods
	if m.view != viewPods || m.filter != "net:cnf/n3" || len(m.rows) != 3 {
		t.Fatalf("network enter: view %d filter %q rows %d", m.view, m.filter, len(m.rows))
	}
	m = send(m, keys("esc", "n")...)
	if m.namespace != "cnf" || len(m.rows) != 3 {
		t.Fatalf("n: namespace %q rows %d", m.namespace, len(m.rows))
	}
	m = send(m, keys("n", "n", "n", "n")...)
	if m.namespace != "" {
		t.Fatalf("n cycles back to all, got %q", m.namespace)
	}
	m = send(m, keys("d")...)
	if m.view != viewDoctor || !strings.Contains(strings.Join(m.body(), "\n"), "MN3002") {
		t.Fatalf("d: view %d", m.view)
	}
	m = send(m, tea.KeyPressMsg{Code: 'q', Text: "q"})
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd == nil {
		t.Fatal("q returned no command")
	}
}

func TestRefreshNeverOverlaps(t *testing.T) {
	m := New(Config{Refresh: time.Second, Load: func(context.Context) (Data, error) { return Data{}, nil }})
	next, cmd := m.Update(tickMsg(fixedNow))
	m = next.(Model)
	if !m.loading || cmd == nil {
		t.Fatal("first tick did not start a load")
	}
	next, _ = m.Update(tickMsg(fixedNow))
	if !next.(Model).loading {
		t.Fatal("state lost")
	}
	// While loading, a tick only re-arms the timer: one command (the tick), not a batch with a load.
	if _, cmd := m.Update(tickMsg(fixedNow)); cmd == nil {
		t.Fatal("tick not re-armed")
	} else if _, isBatch := cmd().(tea.BatchMsg); isBatch {
		t.Fatal("a second load was started while one was running")
	}
	m = send(m, dataMsg{data: Data{At: fixedNow}})
	if m.loading || !m.loaded {
		t.Fatal("data did not end the load")
	}
}

func TestWatchDrivenRefresh(t *testing.T) {
	changed := false
	var loads, applies int
	m := New(Config{Refresh: time.Millisecond, FullEvery: 3,
		Load:    func(context.Context) (Data, error) { loads++; return Data{At: fixedNow}, nil },
		Apply:   func(context.Context) (Data, error) { applies++; return Data{At: fixedNow}, nil },
		Changed: func() bool { c := changed; changed = false; return c }})
	// tick sends one tick and runs the reads it starts to their end.
	tick := func() {
		t.Helper()
		next, cmd := m.Update(tickMsg(fixedNow))
		m = next.(Model)
		if b, ok := cmd().(tea.BatchMsg); ok {
			for _, c := range b {
				if msg, ok := c().(dataMsg); ok {
					m = send(m, msg)
				}
			}
		}
	}
	m = send(m, dataMsg{data: Data{At: fixedNow}})
	tick() // nothing changed: no read until FullEvery ticks
	if loads+applies != 0 {
		t.Fatalf("%d loads and %d applies without a change", loads, applies)
	}
	changed = true // a burst of watch events sets one flag: one apply, no load
	tick()
	if loads != 0 || applies != 1 {
		t.Fatalf("a change: %d loads and %d applies, want 0 and 1", loads, applies)
	}
	tick() // the third tick since the last load reads everything, applies included
	if loads != 1 {
		t.Fatalf("%d loads after FullEvery ticks, want 1", loads)
	}
	// A load that takes 20 ticks' time spaces the next one 80 ticks out.
	m = send(m, dataMsg{data: Data{At: fixedNow}, took: 20 * time.Millisecond})
	for range 79 {
		tick()
	}
	if loads != 1 {
		t.Fatalf("loaded again after 79 ticks, though one load takes 20")
	}
	tick()
	if loads != 2 {
		t.Fatalf("no load after 80 ticks")
	}
}

// TestFirstLoadIsNotOverlapped: while the load Init started runs, ticks start no other read, however
// many pass and whatever changed (at 100,000 pods that first load takes minutes).
func TestFirstLoadIsNotOverlapped(t *testing.T) {
	var loads, applies int
	m := New(Config{Refresh: time.Millisecond, FullEvery: 3,
		Load:    func(context.Context) (Data, error) { loads++; return Data{At: fixedNow}, nil },
		Apply:   func(context.Context) (Data, error) { applies++; return Data{At: fixedNow}, nil },
		Changed: func() bool { return true }})
	first := m.Init() // its load is still running: its message is not delivered yet
	for range 10 {
		next, cmd := m.Update(tickMsg(fixedNow))
		m = next.(Model)
		if b, ok := cmd().(tea.BatchMsg); ok {
			for _, c := range b {
				c()
			}
		}
	}
	if loads+applies != 0 {
		t.Fatalf("ticks during the first load started %d loads and %d applies", loads, applies)
	}
	for _, c := range first().(tea.BatchMsg) {
		if msg, ok := c().(dataMsg); ok {
			m = send(m, msg)
		}
	}
	if loads != 1 || !m.loaded {
		t.Fatalf("first load: %d loads, loaded %v", loads, m.loaded)
	}
}

func TestScrollingKeepsCursorOnScreen(t *testing.T) {
	d := bigData(500)
	m := send(New(Config{}), tea.WindowSizeMsg{Width: 80, Height: 24}, dataMsg{data: d})
	for i := 0; i < 100; i++ {
		m = send(m, keys("down")...)
	}
	if m.cursor != 100 || m.offset > 100 || m.cursor >= m.offset+m.bodyHeight()-1 {
		t.Fatalf("cursor %d offset %d body %d", m.cursor, m.offset, m.bodyHeight())
	}
	if lines := strings.Split(m.View().Content, "\n"); len(lines) != 24 {
		t.Fatalf("view has %d lines, want 24", len(lines))
	}
	m = send(m, keys("G")...)
	if m.cursor != 499 {
		t.Fatalf("G: cursor %d", m.cursor)
	}
}

// TestGoldenDRAViews: DRA claim devices are rows of their pod beside Multus' interfaces, in the
// pod list and the detail view (with doctor's MN3011 for the device that is not Ready).
func TestGoldenDRAViews(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"dra-pods-120x30", nil},
		{"dra-detail-120x30", []string{"down", "enter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := send(send(New(Config{}), tea.WindowSizeMsg{Width: 120, Height: 30}, dataMsg{data: load(t, fixtures.DRA(t))}), keys(tc.keys...)...)
			golden.RequireEqual(t, m.View().Content)
		})
	}
}

func TestGoldenViews(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		keys []string
	}{
		{"pods-80x24", 80, 24, nil},
		{"pods-160x40", 160, 40, nil},
		{"detail-80x24", 80, 24, []string{"down", "down", "enter"}},
		{"networks-80x24", 80, 24, []string{"tab"}},
		{"topology-80x24", 80, 24, []string{"tab", "tab"}},
		{"doctor-160x40", 160, 40, []string{"d"}},
		{"help-80x24", 80, 24, []string{"?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := send(loaded(t, tc.w, tc.h), keys(tc.keys...)...)
			got := m.View().Content
			for i, l := range strings.Split(got, "\n") {
				if w := lipgloss.Width(l); w > tc.w {
					t.Errorf("line %d is %d wide: %q", i, w, l)
				}
			}
			golden.RequireEqual(t, got)
		})
	}
}

// TestSourceAppliesPodsWithoutLoading checks that Apply rebuilds the data from the pods a watch keeps
// and the NADs of the last load, and calls the loader only before the first load.
func TestSourceAppliesPodsWithoutLoading(t *testing.T) {
	objs := fixtures.DemoScenario(t)
	loads := 0
	var pods []inspect.PodMeta
	src := &Source{Now: func() time.Time { return fixedNow },
		Loader: func(context.Context) (*doctor.Model, error) { loads++; return doctor.FromDump(objs) },
		Pods:   func(context.Context) ([]inspect.PodMeta, error) { return pods, nil }}
	first, err := src.Apply(context.Background()) // nothing loaded yet: loads
	if err != nil || loads != 1 || len(first.Pods) < 2 {
		t.Fatalf("first apply: %d loads, %d pods, %v", loads, len(first.Pods), err)
	}
	kept := first.Pods[0]
	pods = []inspect.PodMeta{{Namespace: kept.Namespace, Name: kept.Name, Node: "moved", Phase: "Running"},
		{Namespace: kept.Namespace, Name: "new-pod", Phase: "Pending", Annotations: map[string]string{"k8s.v1.cni.cncf.io/networks": "missing-nad"}}}
	d, err := src.Apply(context.Background())
	if err != nil || loads != 1 {
		t.Fatalf("apply: %d loads, %v", loads, err)
	}
	nodes := map[string]string{}
	for _, p := range d.Pods {
		nodes[p.Name] = p.Node
	}
	if len(d.Pods) != 2 || nodes[kept.Name] != "moved" || nodes["new-pod"] != "" || len(d.NADs) != len(first.NADs) {
		t.Fatalf("applied data: %d pods (%+v), %d NADs", len(d.Pods), d.Pods, len(d.NADs))
	}
	found := false
	for _, f := range d.Findings {
		found = found || f.Code == "MN3002" && f.Object.Name == "new-pod"
	}
	if !found {
		t.Error("the new pod's missing NAD was not diagnosed")
	}
}

// TestSourceAppliesOnlyTheChanges checks that with a watch's changes Apply inspects the changed pods
// into the last model and never reads all the pods, and that a change after a new list reads them.
func TestSourceAppliesOnlyTheChanges(t *testing.T) {
	objs := fixtures.DemoScenario(t)
	var ch inspect.PodChanges
	reads := 0
	src := &Source{Now: func() time.Time { return fixedNow },
		Loader:  func(context.Context) (*doctor.Model, error) { return doctor.FromDump(objs) },
		Changes: func() inspect.PodChanges { c := ch; ch = inspect.PodChanges{}; return c },
		Pods:    func(context.Context) ([]inspect.PodMeta, error) { reads++; return nil, nil }}
	first, err := src.Load(context.Background())
	if err != nil || len(first.Pods) < 2 {
		t.Fatalf("load: %d pods, %v", len(first.Pods), err)
	}
	gone, kept := first.Pods[0], first.Pods[1]
	ch = inspect.PodChanges{Deleted: []string{gone.Namespace + "/" + gone.Name},
		Changed: []inspect.PodMeta{{Namespace: kept.Namespace, Name: "new-pod", Phase: "Pending", Annotations: map[string]string{"k8s.v1.cni.cncf.io/networks": "missing-nad"}}}}
	d, err := src.Apply(context.Background())
	if err != nil || reads != 0 {
		t.Fatalf("apply: %d reads of every pod, %v", reads, err)
	}
	names := map[string]bool{}
	for _, p := range d.Pods {
		names[p.Namespace+"/"+p.Name] = true
	}
	if len(d.Pods) != len(first.Pods) || names[gone.Namespace+"/"+gone.Name] || !names[kept.Namespace+"/"+kept.Name] || !names[kept.Namespace+"/new-pod"] {
		t.Fatalf("applied pods %v; want %d, without %s, with new-pod", names, len(first.Pods), gone.Name)
	}
	found := false
	for _, f := range d.Findings {
		found = found || f.Code == "MN3002" && f.Object.Name == "new-pod"
	}
	if !found {
		t.Error("the new pod's missing NAD was not diagnosed")
	}
	ch = inspect.PodChanges{All: true}
	if d, err = src.Apply(context.Background()); err != nil || reads != 1 || len(d.Pods) != 0 {
		t.Errorf("after a new list: %d reads, %d pods, %v; want one read of every pod (none)", reads, len(d.Pods), err)
	}
	// A failed read loses no change: the next Apply reads every pod again.
	src.Pods = func(context.Context) ([]inspect.PodMeta, error) { reads++; return nil, errors.New("down") }
	ch = inspect.PodChanges{All: true}
	if _, err := src.Apply(context.Background()); err == nil {
		t.Fatal("a failed read of the pods was not reported")
	}
	src.Pods = func(context.Context) ([]inspect.PodMeta, error) { reads++; return nil, nil }
	ch = inspect.PodChanges{Deleted: []string{"x/y"}}
	if _, err := src.Apply(context.Background()); err != nil || reads != 3 {
		t.Errorf("after a failed read: %d reads, %v; want every pod read again", reads, err)
	}
}
