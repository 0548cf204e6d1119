// Package logtail is the node side of `kubectl multinet logs`, run inside its debug pods as
// `multinet-cni node logpaths|tail`: it finds where Multus, whereabouts and multinet-ipam log from
// the node's CNI configs, and prints the selected lines of those logs tagged with their source.
// It links no Kubernetes client, so the CNI binary that carries it starts fast.
package logtail

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sources the logs come from.
const (
	Multus      = "multus"
	Whereabouts = "whereabouts"
	IPAM        = "ipam"
)

// Paths are the log files a node's CNI configs name, by source; an absent source logs nowhere.
type Paths map[string]string

// FindPaths reads the CNI config dir (mounted at confDir): the Multus config's logFile, and
// log_file of whereabouts.d/whereabouts.conf and multinet.d/multinet-ipam.conf.
func FindPaths(confDir string) (Paths, error) {
	entries, err := os.ReadDir(confDir)
	if err != nil {
		return nil, fmt.Errorf("read CNI config dir: %w", err)
	}
	out := Paths{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".conf") || strings.HasSuffix(n, ".conflist") || strings.HasSuffix(n, ".json")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(confDir, n))
		if err != nil {
			continue
		}
		if m, _ := MultusConfig(data); m.LogFile != "" && out[Multus] == "" {
			out[Multus] = m.LogFile
		}
	}
	for src, rel := range map[string]string{Whereabouts: "whereabouts.d/whereabouts.conf", IPAM: "multinet.d/multinet-ipam.conf"} {
		data, err := os.ReadFile(filepath.Join(confDir, rel))
		if err != nil {
			continue
		}
		var flat struct {
			LogFile string `json:"log_file"`
		}
		if json.Unmarshal(data, &flat) == nil && flat.LogFile != "" {
			out[src] = flat.LogFile
		}
	}
	return out, nil
}

// MultusFields are the keys of a Multus config that the node side reads.
type MultusFields struct {
	LogFile    string `json:"logFile"`
	Kubeconfig string `json:"kubeconfig"`
}

// MultusConfig reads a Multus config (a conf whose type starts with "multus", or a conflist holding
// one); ok is false for any other config.
func MultusConfig(data []byte) (f MultusFields, ok bool) {
	var c struct {
		Type string `json:"type"`
		MultusFields
		Plugins []struct {
			Type string `json:"type"`
			MultusFields
		} `json:"plugins"`
	}
	if json.Unmarshal(data, &c) != nil {
		return MultusFields{}, false
	}
	if strings.HasPrefix(c.Type, "multus") {
		return c.MultusFields, true
	}
	for _, p := range c.Plugins {
		if strings.HasPrefix(p.Type, "multus") {
			return p.MultusFields, true
		}
	}
	return MultusFields{}, false
}

// TailOptions say which lines Tail prints.
type TailOptions struct {
	// Lines is how many lines of each file to print first (-1: all).
	Lines int
	// Since drops lines whose leading RFC 3339 timestamp is older (0: keep all).
	Since time.Duration
	// Follow keeps reading what is appended, until stop is closed.
	Follow bool
	// Poll is how often a followed file is checked for growth.
	Poll time.Duration
	Now  func() time.Time
	// Match, when set, keeps only lines containing one of these strings.
	Match []string
}

func (o TailOptions) keep(line string) bool { return Keep(line, o.Match) }

// Keep says whether a line contains one of match (any line, when match is empty); empty lines never
// pass.
func Keep(line string, match []string) bool {
	if strings.TrimSpace(line) == "" {
		return false
	}
	if len(match) == 0 {
		return true
	}
	for _, m := range match {
		if strings.Contains(line, m) {
			return true
		}
	}
	return false
}

// PodMatch is what the Multus, whereabouts and multinet-ipam lines about pod namespace/name contain.
func PodMatch(namespace, name string) []string {
	return []string{namespace + "/" + name, namespace + ":" + name + ":"}
}

// File is one log to tail: its source name and its path in the debug pod.
type File struct{ Source, Path string }

// Tail prints "SOURCE<TAB>line" for the selected lines of files to w, then, with Follow, what is
// appended (a truncated file is read again from its start) until stop is closed. A file that does
// not exist yet is waited for when following, reported otherwise.
func Tail(w io.Writer, files []File, o TailOptions, stop <-chan struct{}) error {
	out := &lineWriter{w: w}
	offsets := make([]int64, len(files))
	for i, f := range files {
		lines, end, err := lastLines(f.Path, o)
		if err != nil && !(o.Follow && os.IsNotExist(err)) {
			out.write(f.Source, fmt.Sprintf("multinet: cannot read %s: %v", f.Path, err))
		}
		for _, l := range lines {
			out.write(f.Source, l)
		}
		offsets[i] = end
	}
	if !o.Follow {
		return out.err
	}
	tick := time.NewTicker(o.Poll)
	defer tick.Stop()
	partial := make([]string, len(files))
	for {
		select {
		case <-stop:
			return out.err
		case <-tick.C:
		}
		for i, f := range files {
			offsets[i] = follow(f, offsets[i], &partial[i], out, o)
		}
		if out.err != nil {
			return out.err
		}
	}
}

// lastLines returns the selected lines of path and its size.
func lastLines(path string, o TailOptions) ([]string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	cutoff := time.Time{}
	if o.Since > 0 {
		cutoff = o.Now().Add(-o.Since)
	}
	for sc.Scan() {
		l := sc.Text()
		if !o.keep(l) {
			continue
		}
		if !cutoff.IsZero() {
			if ts, ok := timestamp(l); ok && ts.Before(cutoff) {
				continue
			}
		}
		lines = append(lines, l)
		if o.Lines >= 0 && len(lines) > o.Lines {
			lines = lines[1:]
		}
	}
	end, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return lines, 0, err
	}
	return lines, end, sc.Err()
}

// timestamp parses a line's leading RFC 3339 time, as Multus, whereabouts and multinet-ipam write.
func timestamp(line string) (time.Time, bool) {
	first, _, _ := strings.Cut(line, " ")
	t, err := time.Parse(time.RFC3339Nano, first)
	return t, err == nil
}

// follow prints what was appended to f since offset and returns the new offset.
func follow(f File, offset int64, partial *string, out *lineWriter, o TailOptions) int64 {
	fi, err := os.Stat(f.Path)
	if err != nil {
		return offset
	}
	if fi.Size() < offset { // truncated or rotated: read it again
		offset, *partial = 0, ""
	}
	if fi.Size() == offset {
		return offset
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return offset
	}
	defer fh.Close()
	buf := make([]byte, fi.Size()-offset)
	n, _ := fh.ReadAt(buf, offset)
	text := *partial + string(buf[:n])
	lines := strings.Split(text, "\n")
	*partial = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		if o.keep(l) {
			out.write(f.Source, l)
		}
	}
	return offset + int64(n)
}

// lineWriter writes source-tagged lines and keeps the first error.
type lineWriter struct {
	w   io.Writer
	err error
}

func (l *lineWriter) write(source, line string) {
	if l.err == nil {
		_, l.err = fmt.Fprintf(l.w, "%s\t%s\n", source, line)
	}
}
