package logtail

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindPaths(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "00-multus.conflist"), `{"name":"multus-cni-network","plugins":[{"type":"multus","logFile":"/var/log/multus.log"}]}`)
	write(t, filepath.Join(dir, "10-other.conf"), `{"type":"bridge"}`)
	write(t, filepath.Join(dir, "whereabouts.d/whereabouts.conf"), `{"log_file":"/var/log/whereabouts.log"}`)
	write(t, filepath.Join(dir, "multinet.d/multinet-ipam.conf"), `{"namespace":"kube-system"}`)
	got, err := FindPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got[Multus] != "/var/log/multus.log" || got[Whereabouts] != "/var/log/whereabouts.log" || got[IPAM] != "" {
		t.Errorf("paths %v", got)
	}
	if _, err := FindPaths(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing config dir gives no error")
	}
}

func TestTail(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	log := strings.Join([]string{
		"2026-11-23T11:00:00Z [verbose] Add: cnf:old:uid:n3",
		"2026-11-23T11:58:00Z [verbose] Add: cnf:upf-1:uid:n3",
		"",
		"2026-11-23T11:59:00Z [verbose] Add: cnf:smf-1:uid:n3",
		"2026-11-23T11:59:30Z [ADD] pod=cnf/upf-1 container=c ifname=net1 10.0.0.5/24",
	}, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "multus.log")
	write(t, path, log)
	for _, tc := range []struct {
		name string
		o    TailOptions
		want []string
	}{
		{"last two", TailOptions{Lines: 2}, []string{"cnf:smf-1", "pod=cnf/upf-1"}},
		{"since five minutes", TailOptions{Lines: -1, Since: 5 * time.Minute}, []string{"cnf:upf-1", "cnf:smf-1", "pod=cnf/upf-1"}},
		{"one pod", TailOptions{Lines: -1, Match: PodMatch("cnf", "upf-1")}, []string{"cnf:upf-1", "pod=cnf/upf-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Now = func() time.Time { return now }
			var buf bytes.Buffer
			if err := Tail(&buf, []File{{Multus, path}}, tc.o, nil); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tc.want), buf.String())
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], "multus\t") || !strings.Contains(lines[i], w) {
					t.Errorf("line %d %q, want multus-tagged and containing %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestTailFollowsAppendsAndTruncation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ipam.log")
	write(t, path, "first\n")
	stop := make(chan struct{})
	var buf syncBuffer
	done := make(chan error)
	go func() {
		done <- Tail(&buf, []File{{IPAM, path}}, TailOptions{Lines: -1, Follow: true, Poll: 5 * time.Millisecond, Now: time.Now}, stop)
	}()
	waitFor(t, &buf, "ipam\tfirst")
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("second\nthi")
	f.Close()
	waitFor(t, &buf, "ipam\tsecond")
	f, _ = os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("rd\n")
	f.Close()
	waitFor(t, &buf, "ipam\tthird")
	write(t, path, "rotated\n")
	waitFor(t, &buf, "ipam\trotated")
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
