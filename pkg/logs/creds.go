package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cniconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodecreds"
)

// Credentials reads the kubeconfigs of the CNI plugins on each node (pkg/nodecreds) through a debug
// pod that mounts the CNI config dir read-only, and a second one that also mounts the directories of
// files they name elsewhere. A node that cannot be read becomes a note; the rest are still read.
func Credentials(ctx context.Context, pods *Pods, nodes []string, confDir string, parallel int) ([]nodecreds.Credential, []string) {
	var mu sync.Mutex
	var out []nodecreds.Credential
	notes := forNodes(ctx, pods, nodes, parallel, "its CNI kubeconfigs were not read", func(ctx context.Context, node string) error {
		creds, err := nodeCredentials(ctx, pods, node, confDir)
		mu.Lock()
		defer mu.Unlock()
		out = append(out, creds...)
		return err
	})
	notes = append(notes, markGoneBoundPods(ctx, pods, out)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Node+out[i].Path < out[j].Node+out[j].Path })
	sort.Strings(notes)
	return out, notes
}

// CNIConfigs reads each node's CNI config dir (pkg/cniconf: text files, redacted on the node)
// through a debug pod that mounts it read-only. A node that cannot be read becomes a note.
func CNIConfigs(ctx context.Context, pods *Pods, nodes []string, confDir string, parallel int) (map[string]cniconf.Dir, []string) {
	var mu sync.Mutex
	out := map[string]cniconf.Dir{}
	notes := forNodes(ctx, pods, nodes, parallel, "its CNI config dir was not read", func(ctx context.Context, node string) error {
		data, err := pods.Output(ctx, node, []string{"node", "cniconf", "--cni-dir=/host/cni"}, []mount{{host: confDir, pod: "/host/cni"}})
		if err != nil {
			return err
		}
		var d cniconf.Dir
		if err := json.Unmarshal(data, &d); err != nil {
			return fmt.Errorf("the debug pod did not print the directory (is --image a multinet-cni image of this version?)")
		}
		mu.Lock()
		defer mu.Unlock()
		out[node] = d
		return nil
	})
	sort.Strings(notes)
	return out, notes
}

// forNodes runs f for each node, at most parallel at once, with debug pods reaped before and
// cleaned up after, their heartbeat kept meanwhile; a node whose f fails becomes a note (what, why).
func forNodes(ctx context.Context, pods *Pods, nodes []string, parallel int, what string, f func(ctx context.Context, node string) error) []string {
	defer pods.Cleanup(ctx)
	var notes []string
	if n, err := pods.Reap(ctx); err != nil {
		notes = append(notes, err.Error())
	} else if n > 0 {
		notes = append(notes, fmt.Sprintf("removed %d debug pods left by earlier runs", n))
	}
	hb, stop := context.WithCancel(ctx)
	defer stop()
	go pods.Heartbeat(hb)
	if err := pods.watch(hb); err != nil {
		return append(notes, err.Error())
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for _, node := range nodes {
		g.Go(func() error {
			nctx, cancel := pods.nodeContext(gctx)
			defer cancel()
			if err := f(nctx, node); err != nil {
				if errors.Is(err, context.DeadlineExceeded) && gctx.Err() == nil {
					err = fmt.Errorf("no answer within %s (--node-timeout)", pods.NodeTimeout)
				}
				mu.Lock()
				defer mu.Unlock()
				notes = append(notes, fmt.Sprintf("node %s: %s: %v", node, what, err))
			}
			return nil
		})
	}
	_ = g.Wait()
	return notes
}

// nodeCredentials scans one node, widening the mounts once for files outside the config dir.
func nodeCredentials(ctx context.Context, pods *Pods, node, confDir string) ([]nodecreds.Credential, error) {
	mounts := []mount{{host: confDir, pod: "/host/cni"}}
	creds, err := scanNode(ctx, pods, node, confDir, mounts)
	if err != nil {
		return nil, err
	}
	var extra []string
	for _, c := range creds {
		for _, d := range c.NeedDirs {
			if d != "/" && !slices.Contains(extra, d) {
				extra = append(extra, d)
			}
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		for i, d := range extra {
			mounts = append(mounts, mount{host: d, pod: "/host/extra" + strconv.Itoa(i)})
		}
		if creds, err = scanNode(ctx, pods, node, confDir, mounts); err != nil {
			return nil, err
		}
	}
	for i := range creds {
		creds[i].Node = node
		for _, d := range creds[i].NeedDirs {
			creds[i].Problems = append(creds[i].Problems, fmt.Sprintf("names a file in %s, which was not read", d))
		}
		creds[i].NeedDirs = nil
	}
	return creds, nil
}

func scanNode(ctx context.Context, pods *Pods, node, confDir string, mounts []mount) ([]nodecreds.Credential, error) {
	args := []string{"node", "creds", "--cni-dir=" + confDir}
	for _, m := range mounts {
		args = append(args, "--mount="+m.host+"="+m.pod)
	}
	data, err := pods.Output(ctx, node, args, mounts)
	if err != nil {
		return nil, err
	}
	var creds []nodecreds.Credential
	if err := json.Unmarshal(data, &creds); err != nil {
		said := strings.TrimSpace(string(data))
		if len(said) > 300 {
			said = said[:300] + "..."
		}
		return nil, fmt.Errorf("the debug pod said: %s", said)
	}
	return creds, nil
}

// markGoneBoundPods sets BoundPodGone on tokens bound to a pod that no longer exists, or that now
// has another UID (a DaemonSet pod recreated under the same name).
func markGoneBoundPods(ctx context.Context, pods *Pods, creds []nodecreds.Credential) []string {
	var notes []string
	for i := range creds {
		c := &creds[i]
		ns, name, ok := strings.Cut(c.BoundPod, "/")
		if !ok {
			continue
		}
		p, err := pods.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			c.BoundPodGone = true
		case err != nil:
			notes = append(notes, fmt.Sprintf("node %s: could not tell whether pod %s, which %s's token is bound to, still exists: %v", c.Node, c.BoundPod, c.Path, err))
		case c.BoundPodUID != "" && string(p.UID) != c.BoundPodUID:
			c.BoundPodGone = true
		}
	}
	return notes
}
