package doctor

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/fixtures"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestTextGoldenFromSeeds(t *testing.T) {
	m, err := FromDump(fixtures.Seeds(t))
	if err != nil {
		t.Fatal(err)
	}
	res := Run(m, All(func() time.Time { return testNow }))
	for _, tc := range []struct {
		file   string
		styles Styles
	}{{"testdata/seeds.txt.golden", Styles{}}, {"testdata/seeds.color.golden", ANSI()}} {
		var buf bytes.Buffer
		if err := PrintText(&buf, res, m.Notes, tc.styles); err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(tc.file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if buf.String() != string(want) {
			t.Errorf("%s differs:\n%s", tc.file, buf.String())
		}
	}
}

func TestColorFollowsNOCOLORAndTerminal(t *testing.T) {
	var buf bytes.Buffer
	o := &Options{}
	o.Out = &buf
	if st := o.styles(); st.Error != nil {
		t.Error("colour for a non-terminal writer")
	}
	on := true
	o.Color = &on
	if st := o.styles(); st.Error == nil || !strings.Contains(st.Error("x"), "\x1b[") {
		t.Error("--color forced on gave no colour")
	}
	t.Setenv("NO_COLOR", "1")
	o.Color = nil
	if st := o.styles(); st.Error != nil {
		t.Error("colour despite NO_COLOR")
	}
}
