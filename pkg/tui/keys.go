package tui

import "charm.land/bubbles/v2/key"

// keyMap is every binding; the help bar shows them.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Filter, NextView, PrevView, Enter, Back key.Binding
	Namespace, Logs, Probe, Doctor, YAML    key.Binding
	Help, Quit                              key.Binding
}

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up: b("↑/k", "up", "up", "k"), Down: b("↓/j", "down", "down", "j"),
		PageUp: b("pgup", "page up", "pgup"), PageDown: b("pgdn", "page down", "pgdown", "space"),
		Top: b("g", "top", "g", "home"), Bottom: b("G", "bottom", "G", "end"),
		Filter: b("/", "filter", "/"), NextView: b("tab", "next view", "tab"), PrevView: b("shift+tab", "previous view", "shift+tab"),
		Enter: b("enter", "details", "enter"), Back: b("esc", "back", "esc"),
		Namespace: b("n", "namespace", "n"), Logs: b("l", "stream logs", "l"), Probe: b("p", "probe", "p"), Doctor: b("d", "doctor", "d"),
		YAML: b("y", "yaml", "y"), Help: b("?", "all keys", "?"), Quit: b("q", "quit", "q", "ctrl+c"),
	}
}

// ShortHelp is the help bar.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.NextView, k.Enter, k.Back, k.Namespace, k.Doctor, k.YAML, k.Help, k.Quit}
}

// FullHelp is the `?` page.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Filter, k.NextView, k.PrevView, k.Enter, k.Back},
		{k.Namespace, k.Logs, k.Probe, k.Doctor, k.YAML, k.Help, k.Quit},
	}
}
