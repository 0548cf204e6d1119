// Package checks holds the explanation page of every doctor code (MN1001.md ...), for
// `kubectl multinet doctor --explain CODE`.
package checks

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed MN*.md
var pages embed.FS

// Page returns the page of code, e.g. "MN3002".
func Page(code string) (string, error) {
	b, err := pages.ReadFile(strings.ToUpper(code) + ".md")
	if err != nil {
		return "", fmt.Errorf("no page for code %q; kubectl multinet doctor --list shows the codes", code)
	}
	return string(b), nil
}
