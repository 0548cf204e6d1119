package tui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// maxLogLines bounds the log lines the detail view keeps.
const maxLogLines = 500

// live is the probe or log stream of the pod the detail view shows; it stops when the view is left.
type live struct {
	pod    string
	cancel context.CancelFunc
	lines  chan string
	done   chan error
}

// Messages of the live sections.
type (
	probeMsg struct {
		pod  string
		text string
		err  error
	}
	logLineMsg struct {
		pod  string
		line string
	}
	logDoneMsg struct {
		pod string
		err error
	}
)

// startProbe runs the probe of the detail's pod without blocking the UI.
func (m Model) startProbe() (Model, tea.Cmd) {
	if m.cfg.Probe == nil || m.pod(m.detail) == nil {
		m.probeText = []string{"probe needs a live cluster (not a dump)"}
		return m, nil
	}
	m.stopProbe()
	ctx, cancel := context.WithCancel(context.Background())
	pod := m.detail
	m.probing = &live{pod: pod, cancel: cancel}
	m.probeText = []string{"probing: an ephemeral container reads the pod's network namespace ..."}
	ns, name, _ := strings.Cut(pod, "/")
	return m, func() tea.Msg {
		text, err := m.cfg.Probe(ctx, ns, name)
		return probeMsg{pod: pod, text: text, err: err}
	}
}

// startLogs streams the node logs about the detail's pod.
func (m Model) startLogs() (Model, tea.Cmd) {
	if m.cfg.Logs == nil || m.pod(m.detail) == nil {
		m.logLines = []string{"logs need a live cluster (not a dump)"}
		return m, nil
	}
	m.stopLogs()
	ctx, cancel := context.WithCancel(context.Background())
	l := &live{pod: m.detail, cancel: cancel, lines: make(chan string, 64), done: make(chan error, 1)}
	m.logs, m.logLines = l, []string{"starting debug pods on the pod's node ..."}
	ns, name, _ := strings.Cut(m.detail, "/")
	go func() {
		l.done <- m.cfg.Logs(ctx, ns, name, func(line string) {
			select {
			case l.lines <- line:
			case <-ctx.Done():
			}
		})
	}()
	return m, l.next()
}

// next waits for the stream's next line, or its end.
func (l *live) next() tea.Cmd {
	return func() tea.Msg {
		select {
		case line := <-l.lines:
			return logLineMsg{pod: l.pod, line: line}
		case err := <-l.done:
			return logDoneMsg{pod: l.pod, err: err}
		}
	}
}

// stopProbe and stopLogs cancel what runs for the detail view; the cancelled work cleans up after
// itself (debug pods are deleted, the probe container exits on its own).
func (m *Model) stopProbe() {
	if m.probing != nil {
		m.probing.cancel()
		m.probing = nil
	}
}

func (m *Model) stopLogs() {
	if m.logs != nil {
		m.logs.cancel()
		m.logs = nil
	}
}

// stopLive stops both and forgets their output.
func (m *Model) stopLive() {
	m.stopProbe()
	m.stopLogs()
	m.probeText, m.logLines = nil, nil
}

// live applies a message of a live section; ok is false for other messages.
func (m Model) updateLive(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case probeMsg:
		if m.probing == nil || m.probing.pod != msg.pod {
			return m, nil, true // stale: the view was left
		}
		m.probing = nil
		if msg.err != nil {
			m.probeText = []string{"probe failed: " + msg.err.Error()}
		} else {
			m.probeText = strings.Split(strings.TrimRight(msg.text, "\n"), "\n")
		}
		return m, nil, true
	case logLineMsg:
		if m.logs == nil || m.logs.pod != msg.pod {
			return m, nil, true
		}
		if len(m.logLines) == 1 && strings.HasPrefix(m.logLines[0], "starting debug pods") {
			m.logLines = nil
		}
		m.logLines = append(m.logLines, msg.line)
		if over := len(m.logLines) - maxLogLines; over > 0 {
			m.logLines = m.logLines[over:]
		}
		return m, m.logs.next(), true
	case logDoneMsg:
		if m.logs == nil || m.logs.pod != msg.pod {
			return m, nil, true
		}
		m.logs = nil
		if msg.err != nil {
			m.logLines = append(m.logLines, "logs stopped: "+msg.err.Error())
		}
		return m, nil, true
	}
	return m, nil, false
}
