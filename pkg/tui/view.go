package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/topology"
)

// View renders the screen: title, tabs, body, footer; exactly height lines of at most width cells.
func (m Model) View() tea.View {
	lines := make([]string, 0, m.height)
	lines = append(lines, m.titleLine(), m.tabLine())
	body := m.body()
	h := m.bodyHeight()
	if len(body) > h {
		body = body[:h]
	}
	lines = append(lines, body...)
	for len(lines) < m.height-1 {
		lines = append(lines, "")
	}
	lines = append(lines, m.footer())
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	v.WindowTitle = "kubectl multinet"
	return v
}

// trunc cuts s (styles included) to w cells, ending in … when cut.
func trunc(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// pad cuts or pads s to exactly w cells.
func pad(s string, w int) string {
	s = trunc(s, w)
	if n := lipgloss.Width(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

func (m Model) titleLine() string {
	errs, warns := 0, 0
	for _, f := range m.data.Findings {
		switch f.Severity {
		case doctor.Error:
			errs++
		case doctor.Warning:
			warns++
		}
	}
	ns := m.namespace
	if ns == "" {
		ns = "all"
	}
	state := "loading…"
	switch {
	case m.err != nil:
		state = "error: " + m.err.Error()
	case m.loaded:
		state = "updated " + m.data.At.Format("15:04:05")
	}
	const name = "kubectl multinet"
	line := trunc(fmt.Sprintf("%s  %d pods · %d networks · %d errors · %d warnings · ns %s · %s",
		name, len(m.data.Pods), len(m.data.NADs), errs, warns, ns, state), m.width)
	if rest, ok := strings.CutPrefix(line, name); ok {
		return m.styles.title.Render(name) + rest
	}
	return line
}

func (m Model) tabLine() string {
	var parts []string
	active := m.view
	if active == viewDetail || active == viewYAML || active == viewHelp {
		active = m.back
	}
	for _, t := range tabs {
		label := " " + t.name + " "
		if t.v == active {
			parts = append(parts, m.styles.activeTab.Render(label))
		} else {
			parts = append(parts, m.styles.tab.Render(label))
		}
	}
	return strings.Join(parts, " ")
}

func (m Model) footer() string {
	switch {
	case m.filtering:
		return trunc("/"+m.filter+"█", m.width)
	case m.filter != "" && m.isList():
		return trunc(fmt.Sprintf("filter %q (%d matches) · esc clears · ? keys", m.filter, len(m.rows)), m.width)
	}
	return m.help.ShortHelpView(m.keys.ShortHelp())
}

func (m Model) body() []string {
	if !m.loaded {
		if m.err != nil {
			return []string{"cannot load: " + m.err.Error()}
		}
		return []string{"loading…"}
	}
	switch m.view {
	case viewPods:
		return m.podsBody()
	case viewNetworks:
		return m.networksBody()
	case viewTopology:
		return m.scrolled(strings.Split(strings.TrimRight(topology.Text(topology.Build(m.filteredPods())), "\n"), "\n"))
	case viewDoctor:
		return m.scrolled(m.doctorLines(m.data.Findings))
	case viewDetail:
		return m.scrolled(m.detailLines())
	case viewYAML:
		return m.scrolled(m.yamlLines())
	case viewHelp:
		return strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")
	}
	return nil
}

// scrolled shows lines from the scroll position, each cut to the width.
func (m Model) scrolled(lines []string) []string {
	start := min(max(m.scroll, 0), max(len(lines)-1, 0))
	for section, at := range map[string]int{"LOGS": logsLine, "PROBE": probeLine} {
		if m.scroll != at {
			continue
		}
		for i, l := range lines {
			if strings.Contains(l, section) && !strings.HasPrefix(l, " ") {
				start = i
			}
		}
	}
	end := min(start+m.bodyHeight(), len(lines))
	out := make([]string, 0, end-start)
	for _, l := range lines[start:end] {
		out = append(out, trunc(l, m.width))
	}
	return out
}

func (m Model) filteredPods() []inspect.Pod {
	out := make([]inspect.Pod, 0, len(m.rows))
	for _, i := range m.podRows() {
		out = append(out, m.data.Pods[i])
	}
	return out
}

// podRows are the pod indexes passing the namespace filter (the topology ignores the text filter).
func (m Model) podRows() []int {
	var out []int
	for i, p := range m.data.Pods {
		if m.namespace == "" || p.Namespace == m.namespace {
			out = append(out, i)
		}
	}
	return out
}

// podColumns are the pods table's widths for the terminal width; POD takes what is left.
func (m Model) podColumns() (ns, pod, node, status, nets, health int) {
	ns, node, status, nets, health = 14, 14, 12, 5, 7
	pod = max(m.width-ns-node-status-nets-health-5, 10)
	return
}

// podsBody renders only the rows on screen.
func (m Model) podsBody() []string {
	wNS, wPod, wNode, wStatus, wNets, wHealth := m.podColumns()
	header := strings.Join([]string{pad("NAMESPACE", wNS), pad("POD", wPod), pad("NODE", wNode), pad("STATUS", wStatus), pad("NETS", wNets), pad("HEALTH", wHealth)}, " ")
	lines := []string{m.styles.header.Render(header)}
	if len(m.rows) == 0 {
		return append(lines, m.styles.dim.Render("no pods match"))
	}
	end := min(m.offset+m.bodyHeight()-1, len(m.rows))
	for r := m.offset; r < end; r++ {
		p := &m.data.Pods[m.rows[r]]
		req, att := netCounts(p)
		sev, found := m.severities["Pod "+p.Namespace+"/"+p.Name]
		health := "ok"
		if found {
			health = strings.ToLower(sev.String())
		}
		cells := strings.Join([]string{pad(p.Namespace, wNS), pad(p.Name, wPod), pad(orDash(p.Node), wNode), pad(orDash(p.Phase), wStatus),
			pad(fmt.Sprintf("%d/%d", att, req), wNets)}, " ") + " "
		if r == m.cursor {
			lines = append(lines, m.styles.selected.Render(cells+pad(health, wHealth)))
			continue
		}
		h := pad(health, wHealth)
		if found {
			h = m.styles.severity(sev, h)
		} else {
			h = m.styles.ok.Render(h)
		}
		lines = append(lines, cells+h)
	}
	return lines
}

// netCounts counts a pod's requested extra networks and those attached.
func netCounts(p *inspect.Pod) (requested, attached int) {
	for _, in := range p.Interfaces {
		switch in.State {
		case inspect.StateAttached:
			attached++
			requested++
		case inspect.StateMissing:
			requested++
		}
	}
	return
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (m Model) networksBody() []string {
	users := map[string]int{}
	for _, p := range m.data.Pods {
		for _, in := range p.Interfaces {
			if in.Network != "" && in.State == inspect.StateAttached {
				users[in.Network]++
			}
		}
	}
	wName, wPods, wUse, wHealth := 32, 5, 16, 7
	wConfig := max(m.width-wName-wPods-wUse-wHealth-4, 10)
	lines := []string{m.styles.header.Render(strings.Join([]string{pad("NETWORK", wName), pad("PODS", wPods), pad("POOL", wUse), pad("HEALTH", wHealth), pad("CONFIG", wConfig)}, " "))}
	if len(m.rows) == 0 {
		return append(lines, m.styles.dim.Render("no networks match"))
	}
	end := min(m.offset+m.bodyHeight()-1, len(m.rows))
	for r := m.offset; r < end; r++ {
		n := m.data.NADs[m.rows[r]]
		key := n.Namespace + "/" + n.Name
		health := "ok"
		if sev, ok := m.severities["NetworkAttachmentDefinition "+key]; ok {
			health = strings.ToLower(sev.String())
		}
		line := strings.Join([]string{pad(key, wName), pad(fmt.Sprint(users[key]), wPods), pad(m.poolBar(n, 8), wUse), pad(health, wHealth), pad(n.Config.String(), wConfig)}, " ")
		if r == m.cursor {
			line = m.styles.selected.Render(line)
		}
		lines = append(lines, line)
	}
	return lines
}

// poolBar is `[####····] 12/254` for the first pool of the NAD's ranges, "-" without one.
func (m Model) poolBar(n *doctor.NAD, width int) string {
	if n.Config.IPAM == nil {
		return "-"
	}
	for _, r := range n.Config.IPAM.Pools {
		for _, p := range m.data.Pools {
			if p.Range == r.Prefix && p.Capacity > 0 {
				return bar(p.Used, p.Capacity, width)
			}
		}
	}
	return "-"
}

func bar(used, capacity uint64, width int) string {
	filled := int(min(used*uint64(width)/capacity, uint64(width)))
	return "[" + strings.Repeat("#", filled) + strings.Repeat("·", width-filled) + fmt.Sprintf("] %d/%d", used, capacity)
}

func (m Model) doctorLines(fs []doctor.Finding) []string {
	if len(fs) == 0 {
		return []string{m.styles.ok.Render("No problems found.")}
	}
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s [%s] (%s) %s", m.styles.severity(f.Severity, f.Severity.String()), f.Code, f.Object, f.Message),
			m.styles.dim.Render("    fix: "+f.Fix))
	}
	return out
}
