package tui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// run executes cmd and feeds its message back, as the program loop does.
func run(t *testing.T, m Model, cmd tea.Cmd) (Model, tea.Cmd) {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command to run")
	}
	next, c := m.Update(cmd())
	return next.(Model), c
}

// TestProbeKey: p in a pod's detail view runs the probe for that pod without blocking, and shows
// its report in the PROBE section; a report arriving after the view was left is dropped.
func TestProbeKey(t *testing.T) {
	var asked string
	m := New(Config{Probe: func(_ context.Context, ns, name string) (string, error) {
		asked = ns + "/" + name
		return "LINKS\n  net1  macvlan  up  1400\n", nil
	}})
	m = send(m, tea.WindowSizeMsg{Width: 100, Height: 60}, dataMsg{data: scenario(t)})
	m = send(m, keys("down", "down", "enter")...)
	next, cmd := m.Update(keys("p")[0])
	m = next.(Model)
	if !strings.Contains(m.View().Content, "probing: an ephemeral container") {
		t.Fatalf("no progress line while probing:\n%s", m.View().Content)
	}
	m, _ = run(t, m, cmd)
	if asked != m.detail || !strings.Contains(m.View().Content, "net1  macvlan  up  1400") {
		t.Fatalf("probed %q for detail %q; view:\n%s", asked, m.detail, m.View().Content)
	}

	next, cmd = m.Update(keys("p")[0])
	m = send(next.(Model), keys("esc")...)
	m, _ = run(t, m, cmd)
	if m.probeText != nil || m.probing != nil {
		t.Fatalf("a report for a view that was left was kept: %q", m.probeText)
	}
}

// TestLogsKey: l streams lines into the LOGS section; leaving the view cancels the stream, whose
// producer (kubectl multinet logs, which deletes its debug pods when its context ends) returns.
func TestLogsKey(t *testing.T) {
	stopped := make(chan struct{})
	m := New(Config{Logs: func(ctx context.Context, ns, name string, line func(string)) error {
		line("lab-node-a/multus 2026-12-02T20:00:00Z [verbose] Add: " + ns + ":" + name + ":uid:net1")
		line("lab-node-a/ipam 2026-12-02T20:00:00Z ADD " + ns + "/" + name + " 172.30.0.5")
		<-ctx.Done()
		close(stopped)
		return nil
	}})
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 80}, dataMsg{data: scenario(t)})
	m = send(m, keys("down", "down", "enter")...)
	next, cmd := m.Update(keys("l")[0])
	m = next.(Model)
	m, cmd = run(t, m, cmd)
	m, _ = run(t, m, cmd)
	view := m.View().Content
	if !strings.Contains(view, "[verbose] Add: cnf:upf-1:uid:net1") || !strings.Contains(view, "ADD cnf/upf-1 172.30.0.5") {
		t.Fatalf("log lines not shown:\n%s", view)
	}
	m = send(m, keys("esc")...)
	<-stopped // blocks forever (and the test times out) if leaving the view did not cancel the stream
	if m.logs != nil || m.logLines != nil {
		t.Fatalf("stream kept after leaving the view: %+v", m.logLines)
	}
}
