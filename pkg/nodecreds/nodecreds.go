// Package nodecreds finds the kubeconfigs that CNI plugins use on a node (Multus thin's, whereabouts',
// multinet-ipam's) and says, without ever holding on to a secret, whether each can still talk to the
// API server: its server and CA, and when its token or client certificate expires. The node side runs
// in a `kubectl multinet` debug pod as `multinet-cni node creds`; doctor --nodes checks the result.
package nodecreds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/logtail"
)

// Sources of a kubeconfig: the plugin whose config names it.
const (
	Multus      = "multus"
	Whereabouts = "whereabouts"
	Multinet    = "multinet-ipam"
)

// Credential kinds.
const (
	KindToken      = "token"
	KindTokenFile  = "token file"
	KindClientCert = "client certificate"
	KindNone       = "none"
)

// Credential is what one node's kubeconfig holds, described; the token itself is never kept.
type Credential struct {
	Node string `json:"node,omitempty"`
	// Source is the plugin that uses it; Path is the kubeconfig's path on the node.
	Source string `json:"source"`
	Path   string `json:"path"`
	Server string `json:"server,omitempty"`
	// Kind is how it authenticates: token, token file, client certificate or none.
	Kind string `json:"kind,omitempty"`
	// Expires is when the token or certificate stops being accepted, when it says so.
	Expires *time.Time `json:"expires,omitempty"`
	// BoundPod is the pod a ServiceAccount token is bound to (namespace/name), with its UID; the API
	// server rejects the token once that pod is gone.
	BoundPod    string `json:"boundPod,omitempty"`
	BoundPodUID string `json:"boundPodUID,omitempty"`
	// BoundPodGone is set by the reader when the bound pod no longer exists (or has another UID).
	BoundPodGone bool `json:"boundPodGone,omitempty"`
	// Problems say why it cannot be used as it is (unreadable file, no server, bad CA ...).
	Problems []string `json:"problems,omitempty"`
	// NeedDirs are node directories outside the mounted ones that hold files it names.
	NeedDirs []string `json:"needDirs,omitempty"`
}

// Mounts map node directories to where the debug pod sees them.
type Mounts map[string]string

// Resolve returns where the pod sees the node path p, or false when no mount holds it.
func (m Mounts) Resolve(p string) (string, bool) {
	p = path.Clean(p)
	best := ""
	for host := range m {
		h := path.Clean(host)
		if (p == h || strings.HasPrefix(p, strings.TrimSuffix(h, "/")+"/")) && len(h) > len(best) {
			best = h
		}
	}
	if best == "" {
		return "", false
	}
	return filepath.Join(m[best], strings.TrimPrefix(p, best)), true
}

// maxFile caps what is read of one config, kubeconfig, token or CA file.
const maxFile = 1 << 20

// readFile reads the node path p through m, at most maxFile bytes.
func readFile(m Mounts, p string) ([]byte, error) {
	local, ok := m.Resolve(p)
	if !ok {
		return nil, outsideError{}
	}
	f, err := os.Open(local)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("larger than %d bytes", maxFile)
	}
	return data, nil
}

// outsideError says a file lies in no mounted directory.
type outsideError struct{}

func (outsideError) Error() string { return "outside the mounted directories" }

func isOutside(err error) bool { return errors.As(err, new(outsideError)) }

// Scan finds the kubeconfigs that the CNI configs in confDir (a node path, mounted per m) name, and
// describes each. Files in directories m lacks are listed in NeedDirs for a second, wider scan.
func Scan(m Mounts, confDir string, now time.Time) []Credential {
	refs := References(m, confDir)
	out := make([]Credential, 0, len(refs))
	for _, r := range refs {
		out = append(out, Describe(m, r.Source, r.Path, now))
	}
	return out
}

// Ref is a kubeconfig named by a plugin's config.
type Ref struct{ Source, Path string }

// References lists the kubeconfigs named in confDir: the Multus config's kubeconfig (thin Multus),
// kubernetes.kubeconfig of whereabouts.d/whereabouts.conf and multinet.d/multinet-ipam.conf, and any
// other *.kubeconfig one directory down.
func References(m Mounts, confDir string) []Ref {
	seen := map[string]bool{}
	var out []Ref
	add := func(src, p string) {
		if p == "" {
			return
		}
		if !path.IsAbs(p) {
			p = path.Join(confDir, p)
		}
		if p = path.Clean(p); !seen[p] {
			seen[p] = true
			out = append(out, Ref{src, p})
		}
	}
	if local, ok := m.Resolve(confDir); ok {
		entries, _ := os.ReadDir(local)
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || !(strings.HasSuffix(n, ".conf") || strings.HasSuffix(n, ".conflist") || strings.HasSuffix(n, ".json")) {
				continue
			}
			if data, err := readFile(m, path.Join(confDir, n)); err == nil {
				mc, _ := logtail.MultusConfig(data)
				add(Multus, mc.Kubeconfig)
			}
		}
	}
	for src, rel := range map[string]string{Whereabouts: "whereabouts.d/whereabouts.conf", Multinet: "multinet.d/multinet-ipam.conf"} {
		if data, err := readFile(m, path.Join(confDir, rel)); err == nil {
			add(src, FlatKubeconfig(data))
		}
	}
	if local, ok := m.Resolve(confDir); ok {
		found, _ := filepath.Glob(filepath.Join(local, "*", "*.kubeconfig"))
		sort.Strings(found)
		for _, f := range found {
			rel, _ := filepath.Rel(local, f)
			add(sourceOfDir(filepath.Dir(rel)), path.Join(confDir, filepath.ToSlash(rel)))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func sourceOfDir(dir string) string {
	switch {
	case strings.HasPrefix(dir, "multus"):
		return Multus
	case strings.HasPrefix(dir, "whereabouts"):
		return Whereabouts
	case strings.HasPrefix(dir, "multinet"):
		return Multinet
	}
	return strings.TrimSuffix(dir, ".d")
}

// FlatKubeconfig is kubernetes.kubeconfig of a whereabouts or multinet-ipam flat config.
func FlatKubeconfig(data []byte) string {
	var c struct {
		Kubernetes struct {
			Kubeconfig string `json:"kubeconfig"`
		} `json:"kubernetes"`
	}
	if json.Unmarshal(data, &c) != nil {
		return ""
	}
	return c.Kubernetes.Kubeconfig
}
