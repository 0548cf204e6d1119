package bundle

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/redact"
)

// NodeLogs splits the lines of `kubectl multinet logs` (logs.Printer: "NODE/SOURCE line", or
// "# node/NODE: note") by node, redacts them, and keeps the last Cap bytes of each node.
type NodeLogs struct {
	Cap int

	mu      sync.Mutex
	buf     map[string][]byte
	dropped map[string]int
}

// Write takes one or more whole lines.
func (l *NodeLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf == nil {
		l.buf, l.dropped = map[string][]byte{}, map[string]int{}
	}
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line == "" {
			continue
		}
		node := nodeOf(line)
		b := append(l.buf[node], redact.String(line)...)
		if l.Cap > 0 && len(b) > 2*l.Cap { // trim now and then, to the last Cap bytes at a line start
			cut := len(b) - l.Cap
			if i := bytes.IndexByte(b[cut:], '\n'); i >= 0 {
				cut += i + 1
			}
			l.dropped[node] += cut
			b = append([]byte(nil), b[cut:]...)
		}
		l.buf[node] = b
	}
	return len(p), nil
}

// nodeOf reads the node of a Printer line.
func nodeOf(line string) string {
	if rest, ok := strings.CutPrefix(line, "# node/"); ok {
		node, _, _ := strings.Cut(rest, ":")
		return node
	}
	node, _, _ := strings.Cut(line, "/")
	return node
}

// Logs returns each node's lines, at most Cap bytes (the last ones), with a first line saying how
// much was dropped.
func (l *NodeLogs) Logs() map[string][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]byte{}
	for node, b := range l.buf {
		dropped := l.dropped[node]
		if l.Cap > 0 && len(b) > l.Cap {
			cut := len(b) - l.Cap
			if i := bytes.IndexByte(b[cut:], '\n'); i >= 0 {
				cut += i + 1
			}
			dropped += cut
			b = b[cut:]
		}
		if dropped > 0 {
			b = append([]byte(fmt.Sprintf("# %d earlier bytes dropped: a bundle keeps the last %d bytes of each node's logs (--max-log-bytes)\n", dropped, l.Cap)), b...)
		}
		out[node] = b
	}
	return out
}
