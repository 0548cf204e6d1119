package bundle

import (
	"fmt"
	"strings"
	"testing"
)

// TestNodeLogs: lines go to their node, notes included; a node over the cap keeps its last lines
// and says how much it dropped; tokens in lines are redacted.
func TestNodeLogs(t *testing.T) {
	l := &NodeLogs{Cap: 100}
	fmt.Fprintf(l, "node-a/multus first\n")
	fmt.Fprintf(l, "# node/node-b: no multus log file\n")
	for i := range 20 {
		fmt.Fprintf(l, "node-b/ipam line %02d\n", i)
	}
	fmt.Fprintf(l, "node-a/ipam Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\n")
	logs := l.Logs()
	a, b := string(logs["node-a"]), string(logs["node-b"])
	if !strings.HasPrefix(a, "node-a/multus first\n") || strings.Contains(a, "eyJhbGci") {
		t.Errorf("node-a: %q", a)
	}
	if !strings.HasPrefix(b, "# ") || !strings.Contains(b, "earlier bytes dropped") || !strings.HasSuffix(b, "node-b/ipam line 19\n") || strings.Contains(b, "line 00") {
		t.Errorf("node-b: %q; want the last lines and a note of what was dropped", b)
	}
	if body := b[strings.IndexByte(b, '\n')+1:]; len(body) > 100 {
		t.Errorf("node-b kept %d bytes, cap 100", len(body))
	}
}
