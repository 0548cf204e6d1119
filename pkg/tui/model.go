package tui

import (
	"context"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// view is what the body shows.
type view int

const (
	viewPods view = iota
	viewNetworks
	viewTopology
	viewDoctor
	viewDetail
	viewYAML
	viewHelp
)

// tabs are the views tab cycles through.
var tabs = []struct {
	v    view
	name string
}{{viewPods, "Pods"}, {viewNetworks, "Networks"}, {viewTopology, "Topology"}, {viewDoctor, "Doctor"}}

// Messages.
type (
	dataMsg struct {
		data Data
		err  error
		// took is how long a read of everything (Load) took; 0 for Apply.
		took time.Duration
	}
	tickMsg time.Time
)

// Config sets up a Model.
type Config struct {
	Load func(ctx context.Context) (Data, error)
	// Refresh is the tick; 0 loads once (a dump).
	Refresh time.Duration
	// Changed, when set, reports (and resets) whether a watch saw a change since it was last
	// asked; a tick then reads only after a change, and Load every FullEvery ticks for what the
	// watch does not cover (NADs, pools, events).
	Changed   func() bool
	FullEvery int
	// Apply, when set, is what a tick runs after a watched change instead of Load: it rebuilds the
	// data from the changes the watch applied and the inputs Load read last, without reading the
	// cluster.
	Apply func(ctx context.Context) (Data, error)
	Color bool
	// Namespace starts the namespace filter ("" for all).
	Namespace string
	// Probe, when set, probes a pod (kubectl multinet probe) and returns the report as text.
	Probe func(ctx context.Context, namespace, name string) (string, error)
	// Logs, when set, streams kubectl multinet logs for a pod, one line a call, until ctx ends.
	Logs func(ctx context.Context, namespace, name string, line func(string)) error
}

// Model is the TUI's state. It is a value; Update returns the next one.
type Model struct {
	cfg    Config
	keys   keyMap
	help   help.Model
	styles styles

	data    Data
	loaded  bool
	loading bool
	err     error
	// idleTicks counts ticks since the last load; loadTook is how long that load took.
	idleTicks int
	loadTook  time.Duration

	view, back view
	width      int
	height     int

	filter    string
	filtering bool
	namespace string

	// rows are the indexes of the pods (pods view) or NADs (networks view) shown, after filters.
	rows   []int
	cursor int
	offset int
	// detail is the pod or NAD the detail and YAML views show; scroll is their first line.
	detail string
	scroll int
	// severities is the worst finding per object, from data.
	severities map[string]doctor.Severity

	// probing and logs run for the detail's pod; probeText and logLines are their output.
	probing, logs       *live
	probeText, logLines []string
}

// New returns the initial model.
func New(cfg Config) Model {
	h := help.New()
	if !cfg.Color {
		h.Styles = help.Styles{}
	}
	// loading: Init starts the first load, and no tick may start another until it ends.
	return Model{cfg: cfg, keys: newKeyMap(), help: h, styles: newStyles(cfg.Color), namespace: cfg.Namespace, width: 80, height: 24,
		loading: true}
}

// Init starts the first load and the refresh tick.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.load(), m.tick())
}

// loadTimeout bounds one read of the cluster; at 100,000 pods the first one takes about a minute.
const loadTimeout = 5 * time.Minute

func (m Model) load() tea.Cmd { return m.read(m.cfg.Load, true) }

func (m Model) read(f func(context.Context) (Data, error), all bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		start := time.Now()
		d, err := f(ctx)
		msg := dataMsg{data: d, err: err}
		if all {
			msg.took = time.Since(start)
		}
		return msg
	}
}

// fullEvery is the ticks between loads when a watch covers the pods: Config.FullEvery, stretched so
// that reading the cluster takes at most a fifth of the time.
func (m Model) fullEvery() int {
	n := m.cfg.FullEvery
	if m.cfg.Refresh > 0 {
		n = max(n, int(4*m.loadTook/m.cfg.Refresh))
	}
	return n
}

// reading is what a tick reads.
type reading int

const (
	readNothing reading = iota
	readChanges         // Apply: the watched changes
	readAll             // Load: the cluster
)

// due is what this tick reads: without a watch, everything; with one, everything every FullEvery
// ticks, and in between the watched changes (through Apply, else Load) when there were any.
func (m Model) due() reading {
	if m.cfg.Changed == nil {
		return readAll
	}
	changed := m.cfg.Changed()
	switch {
	case m.cfg.FullEvery > 0 && m.idleTicks >= m.fullEvery():
		return readAll
	case !changed:
		return readNothing
	case m.cfg.Apply != nil:
		return readChanges
	}
	return readAll
}

func (m Model) tick() tea.Cmd {
	if m.cfg.Refresh <= 0 {
		return nil
	}
	return tea.Tick(m.cfg.Refresh, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update applies one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.clampCursor()
		return m, nil
	case dataMsg:
		m.loading = false
		if msg.took > 0 {
			m.loadTook = msg.took
		}
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		m.err, m.loaded, m.data = nil, true, msg.data
		m.severities = worst(msg.data.Findings)
		m.refilter()
		return m, nil
	case tickMsg:
		m.idleTicks++
		if m.loading { // a refresh still running is not overlapped: this tick is dropped
			return m, m.tick()
		}
		switch m.due() {
		case readChanges:
			m.loading = true
			return m, tea.Batch(m.tick(), m.read(m.cfg.Apply, false))
		case readAll:
			m.loading, m.idleTicks = true, 0
			return m, tea.Batch(m.tick(), m.load())
		}
		return m, m.tick()
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if next, cmd, ok := m.updateLive(msg); ok {
		return next, cmd
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.filtering {
		switch msg.String() {
		case "enter":
			m.filtering = false
		case "esc":
			m.filtering, m.filter = false, ""
		case "backspace":
			if r := []rune(m.filter); len(r) > 0 {
				m.filter = string(r[:len(r)-1])
			}
		case "ctrl+c":
			return m, tea.Quit
		default:
			if msg.Text != "" {
				m.filter += msg.Text
			}
		}
		m.refilter()
		return m, nil
	}
	wasDetail := m.view == viewDetail
	next, cmd := m.command(msg)
	if wasDetail && next.view != viewDetail && next.view != viewHelp {
		next.stopLive()
	}
	return next, cmd
}

// command applies a key outside the filter prompt.
func (m Model) command(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		m.stopLive()
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		if m.view == viewHelp {
			m.view = m.back
		} else {
			m.back, m.view = m.view, viewHelp
		}
	case key.Matches(msg, k.Back):
		switch m.view {
		case viewDetail, viewYAML, viewHelp:
			m.view, m.scroll = m.back, 0
		default:
			if m.filter != "" {
				m.filter = ""
				m.refilter()
			}
		}
	case key.Matches(msg, k.Filter):
		if m.isList() {
			m.filtering, m.filter = true, ""
			m.refilter()
		}
	case key.Matches(msg, k.NextView), key.Matches(msg, k.PrevView):
		m.switchTab(key.Matches(msg, k.NextView))
	case key.Matches(msg, k.Doctor):
		m.view, m.scroll = viewDoctor, 0
	case key.Matches(msg, k.Namespace):
		m.namespace = m.nextNamespace()
		m.refilter()
	case key.Matches(msg, k.Enter):
		m.enter()
	case key.Matches(msg, k.YAML):
		if sel := m.selected(); sel != "" {
			m.back, m.view, m.detail, m.scroll = m.listOrBack(), viewYAML, sel, 0
		}
	case key.Matches(msg, k.Logs):
		if sel := m.selected(); sel != "" {
			if m.view != viewDetail || m.detail != sel {
				m.stopLive()
			}
			m.back, m.view, m.detail, m.scroll = m.listOrBack(), viewDetail, sel, logsLine
			return m.startLogs()
		}
	case key.Matches(msg, k.Probe):
		if sel := m.selected(); sel != "" {
			if m.view != viewDetail || m.detail != sel {
				m.stopLive()
			}
			m.back, m.view, m.detail, m.scroll = m.listOrBack(), viewDetail, sel, probeLine
			return m.startProbe()
		}
	default:
		m.move(msg)
	}
	return m, nil
}

// logsLine and probeLine scroll the detail view to its logs and probe sections.
const (
	logsLine  = -1
	probeLine = -2
)

func (m *Model) isList() bool { return m.view == viewPods || m.view == viewNetworks }

func (m *Model) listOrBack() view {
	if m.view == viewDetail || m.view == viewYAML {
		return m.back
	}
	return m.view
}

func (m *Model) switchTab(forward bool) {
	cur := 0
	for i, t := range tabs {
		if t.v == m.view || (m.view == viewDetail || m.view == viewYAML || m.view == viewHelp) && t.v == m.back {
			cur = i
		}
	}
	if forward {
		cur = (cur + 1) % len(tabs)
	} else {
		cur = (cur + len(tabs) - 1) % len(tabs)
	}
	m.view, m.cursor, m.offset, m.scroll = tabs[cur].v, 0, 0, 0
	m.refilter()
}

func (m *Model) enter() {
	switch m.view {
	case viewPods:
		if sel := m.selected(); sel != "" {
			m.back, m.view, m.detail, m.scroll = viewPods, viewDetail, sel, 0
		}
	case viewNetworks:
		if sel := m.selected(); sel != "" {
			m.view, m.filter, m.cursor, m.offset = viewPods, "net:"+sel, 0, 0
			m.refilter()
		}
	}
}

func (m *Model) move(msg tea.KeyPressMsg) {
	k := m.keys
	page := max(m.bodyHeight()-1, 1)
	if !m.isList() {
		switch {
		case key.Matches(msg, k.Up):
			m.scroll = max(m.scroll-1, 0)
		case key.Matches(msg, k.Down):
			m.scroll++
		case key.Matches(msg, k.PageUp):
			m.scroll = max(m.scroll-page, 0)
		case key.Matches(msg, k.PageDown):
			m.scroll += page
		case key.Matches(msg, k.Top):
			m.scroll = 0
		}
		return
	}
	switch {
	case key.Matches(msg, k.Up):
		m.cursor--
	case key.Matches(msg, k.Down):
		m.cursor++
	case key.Matches(msg, k.PageUp):
		m.cursor -= page
	case key.Matches(msg, k.PageDown):
		m.cursor += page
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = len(m.rows) - 1
	}
	m.clampCursor()
}

// clampCursor keeps the cursor on a row and the row on screen.
func (m *Model) clampCursor() {
	m.cursor = min(max(m.cursor, 0), max(len(m.rows)-1, 0))
	h := max(m.bodyHeight()-1, 1) // the column header takes a line
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(m.offset, 0)
}

// bodyHeight is the lines between the title/tab lines and the footer.
func (m Model) bodyHeight() int { return max(m.height-3, 1) }

// selected is the key (namespace/name) of the pod or NAD under the cursor, or the detail's.
func (m Model) selected() string {
	switch m.view {
	case viewPods:
		if m.cursor < len(m.rows) {
			p := &m.data.Pods[m.rows[m.cursor]]
			return p.Namespace + "/" + p.Name
		}
	case viewNetworks:
		if m.cursor < len(m.rows) {
			n := m.data.NADs[m.rows[m.cursor]]
			return n.Namespace + "/" + n.Name
		}
	case viewDetail, viewYAML:
		return m.detail
	}
	return ""
}

// refilter recomputes the visible rows of the list views.
func (m *Model) refilter() {
	m.rows = m.rows[:0]
	f := strings.ToLower(m.filter)
	switch m.view {
	case viewNetworks:
		for i, n := range m.data.NADs {
			if m.namespace != "" && n.Namespace != m.namespace {
				continue
			}
			if f == "" || strings.Contains(strings.ToLower(n.Namespace+"/"+n.Name+" "+n.Config.String()), f) {
				m.rows = append(m.rows, i)
			}
		}
	default:
		network, byNet := strings.CutPrefix(f, "net:")
		for i := range m.data.Pods {
			p := &m.data.Pods[i]
			if m.namespace != "" && p.Namespace != m.namespace {
				continue
			}
			if byNet {
				if usesNetwork(p, network) {
					m.rows = append(m.rows, i)
				}
				continue
			}
			if f == "" || strings.Contains(strings.ToLower(p.Namespace+"/"+p.Name), f) || strings.Contains(strings.ToLower(p.Node), f) {
				m.rows = append(m.rows, i)
			}
		}
	}
	m.clampCursor()
}

func usesNetwork(p *inspect.Pod, network string) bool {
	for _, in := range p.Interfaces {
		if strings.EqualFold(in.Network, network) {
			return true
		}
	}
	return false
}

// nextNamespace cycles all → each namespace of the pods → all.
func (m Model) nextNamespace() string {
	seen := map[string]bool{}
	var nss []string
	for _, p := range m.data.Pods {
		if !seen[p.Namespace] {
			seen[p.Namespace] = true
			nss = append(nss, p.Namespace)
		}
	}
	sort.Strings(nss)
	if m.namespace == "" {
		if len(nss) > 0 {
			return nss[0]
		}
		return ""
	}
	i := sort.SearchStrings(nss, m.namespace)
	if i+1 < len(nss) {
		return nss[i+1]
	}
	return ""
}
