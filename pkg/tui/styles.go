package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
)

// styles are the TUI's looks; the plain set (NO_COLOR) only uses reverse video for the cursor.
type styles struct {
	title, tab, activeTab, header, selected, dim, err, warn, ok lipgloss.Style
}

func newStyles(color bool) styles {
	if !color {
		s := lipgloss.NewStyle()
		return styles{title: s.Bold(true), tab: s, activeTab: s.Reverse(true), header: s.Bold(true), selected: s.Reverse(true),
			dim: s, err: s, warn: s, ok: s}
	}
	s := lipgloss.NewStyle()
	return styles{
		title:     s.Bold(true).Foreground(lipgloss.Color("#7D56F4")),
		tab:       s.Foreground(lipgloss.Color("245")),
		activeTab: s.Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#7D56F4")),
		header:    s.Bold(true).Foreground(lipgloss.Color("252")),
		selected:  s.Reverse(true),
		dim:       s.Foreground(lipgloss.Color("243")),
		err:       s.Foreground(lipgloss.Color("9")).Bold(true),
		warn:      s.Foreground(lipgloss.Color("11")),
		ok:        s.Foreground(lipgloss.Color("10")),
	}
}

func (s styles) severity(sev doctor.Severity, text string) string {
	switch sev {
	case doctor.Error:
		return s.err.Render(text)
	case doctor.Warning:
		return s.warn.Render(text)
	}
	return s.dim.Render(text)
}
