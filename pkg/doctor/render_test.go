package doctor

import (
	"bytes"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/fixtures"

	"github.com/charmbracelet/x/exp/golden"
)

func TestTextGoldenFromSeeds(t *testing.T) {
	m, err := FromDump(fixtures.Seeds(t))
	if err != nil {
		t.Fatal(err)
	}
	res := Run(m, All(func() time.Time { return testNow }))
	for _, tc := range []struct {
		name   string
		styles Styles
	}{{"text", Styles{}}, {"color", ANSI()}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := PrintText(&buf, res, m.Notes, tc.styles); err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, buf.String())
		})
	}
}
