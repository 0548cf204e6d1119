package tui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// bigData is n pods with two interfaces each.
func bigData(n int) Data {
	d := Data{At: fixedNow}
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("ns-%02d", i%20)
		d.Pods = append(d.Pods, inspect.Pod{Namespace: ns, Name: fmt.Sprintf("pod-%05d", i), Node: fmt.Sprintf("node-%02d", i%8), Phase: "Running",
			Interfaces: []inspect.Interface{{Interface: "eth0", IPs: []string{"10.0.0.1"}, Default: true, State: inspect.StateDefault},
				{Network: ns + "/data", Interface: "net1", IPs: []string{"172.16.0.1"}, State: inspect.StateAttached}}})
	}
	return d
}

// BenchmarkFirstFrame10k: data for 10,000 pods arrives, then the first frame.
func BenchmarkFirstFrame10k(b *testing.B) {
	d := bigData(10000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m := send(New(Config{}), tea.WindowSizeMsg{Width: 160, Height: 50}, dataMsg{data: d})
		_ = m.View()
	}
}

// BenchmarkKeyToFrame10k: one key press (cursor down) and the frame it causes, with 10,000 pods.
func BenchmarkKeyToFrame10k(b *testing.B) {
	m := send(New(Config{}), tea.WindowSizeMsg{Width: 160, Height: 50}, dataMsg{data: bigData(10000)})
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next, _ := m.Update(down)
		m = next.(Model)
		if m.cursor == 9999 {
			m.cursor, m.offset = 0, 0
		}
		_ = m.View()
	}
}

// BenchmarkFilterKey10k: typing one filter character re-filters 10,000 pods and renders.
func BenchmarkFilterKey10k(b *testing.B) {
	m := send(New(Config{}), tea.WindowSizeMsg{Width: 160, Height: 50}, dataMsg{data: bigData(10000)}, tea.KeyPressMsg{Code: '/', Text: "/"})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next, _ := m.Update(tea.KeyPressMsg{Code: '7', Text: "7"})
		next, _ = next.(Model).Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
		m = next.(Model)
		_ = m.View()
	}
}
