package logtail

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzTail runs Tail over arbitrary log content: it must not panic, every line it prints carries
// the source tag, and it prints at most Lines lines, each one that passes Match.
func FuzzTail(f *testing.F) {
	f.Add("2026-11-23T11:58:00Z [verbose] Add: cnf:upf-1:uid:n3\n\nno time here\n", 2, int64(300), "cnf:upf-1:")
	f.Add("x", -1, int64(0), "")
	f.Fuzz(func(t *testing.T, content string, lines int, sinceSeconds int64, match string) {
		if lines < -1 || lines > 1000 || strings.ContainsRune(match, '\n') {
			return
		}
		path := filepath.Join(t.TempDir(), "log")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		o := TailOptions{Lines: lines, Since: time.Duration(sinceSeconds) * time.Second, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
		if match != "" {
			o.Match = []string{match}
		}
		var buf bytes.Buffer
		if err := Tail(&buf, []File{{"src", path}}, o, nil); err != nil {
			return
		}
		out := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if buf.Len() == 0 {
			out = nil
		}
		if lines >= 0 && len(out) > lines {
			t.Fatalf("%d lines printed, want at most %d", len(out), lines)
		}
		for _, l := range out {
			body, ok := strings.CutPrefix(l, "src\t")
			if !ok {
				t.Fatalf("untagged line %q", l)
			}
			if match != "" && !strings.Contains(body, match) && !strings.HasPrefix(body, "multinet: cannot read") {
				t.Fatalf("line %q does not match %q", body, match)
			}
		}
	})
}
