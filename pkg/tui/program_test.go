package tui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestProgram runs the model in a real Bubble Tea program (teatest): first frame, filter, details,
// quit.
func TestProgram(t *testing.T) {
	data := scenario(t)
	m := New(Config{Load: func(context.Context) (Data, error) { return data, nil }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	contains := func(s string) func([]byte) bool { return func(b []byte) bool { return bytes.Contains(b, []byte(s)) } }
	teatest.WaitFor(t, tm.Output(), contains("billing-7d9f"), teatest.WithDuration(5*time.Second))
	tm.Type("/upf-1")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	teatest.WaitFor(t, tm.Output(), contains("10.30.3.11"), teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.view != viewDetail || final.detail != "cnf/upf-1" {
		t.Fatalf("final view %d detail %q", final.view, final.detail)
	}
}
