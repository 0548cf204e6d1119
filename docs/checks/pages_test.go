package checks_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/docs/checks"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/probe"
)

// TestEveryCodeHasAPage: every code of doctor and probe is used once and has a page titled
// "# CODE Name (severity)", and every page belongs to a code.
func TestEveryCodeHasAPage(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range append(doctor.All(time.Now), probe.Checks()...) {
		if seen[c.Code] {
			t.Errorf("code %s used twice", c.Code)
		}
		seen[c.Code] = true
		page, err := checks.Page(c.Code)
		if err != nil {
			t.Errorf("%s has no page: %v", c.Code, err)
			continue
		}
		title := "# " + c.Code + " " + c.Name + " (" + strings.ToLower(c.Severity.String()) + ")\n"
		if !strings.HasPrefix(page, title) {
			t.Errorf("%s page title is not %q", c.Code, title)
		}
	}
	pages, _ := filepath.Glob("MN*.md")
	for _, p := range pages {
		if code := strings.TrimSuffix(p, ".md"); !seen[code] {
			t.Errorf("page %s has no check", p)
		}
	}
	if len(pages) == 0 {
		t.Fatal("no pages found")
	}
}
