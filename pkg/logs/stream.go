package logs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logtail"
)

// Request is what one logs run reads.
type Request struct {
	// Nodes to read; PodNamespace/PodName, when set, keep only lines about that pod.
	Nodes                 []string
	PodNamespace, PodName string
	Sources               []string
	// ConfDir is the nodes' CNI config dir; Extra adds log files named outside it (NADs' log_file).
	ConfDir string
	Extra   logtail.Paths
	Tail    int
	Since   time.Duration
	Follow  bool
	// Parallel bounds how many nodes are read at once.
	Parallel int
}

// Printer writes prefixed lines from many goroutines, one line at a time.
type Printer struct {
	Out   io.Writer
	Color bool
	mu    sync.Mutex
}

var palette = []string{"\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[32m", "\x1b[34m", "\x1b[31m"}

// Line prints "node/source line".
func (p *Printer) Line(node, source, line string) {
	prefix := node + "/" + source
	if p.Color {
		h := 0
		for _, c := range prefix {
			h = h*31 + int(c)
		}
		prefix = palette[(h%len(palette)+len(palette))%len(palette)] + prefix + "\x1b[0m"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.Out, "%s %s\n", prefix, line)
}

// Note prints a message about a node that is not a log line.
func (p *Printer) Note(node, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.Out, "# node/%s: %s\n", node, msg)
}

// Run reads every node of r through debug pods and prints what it finds.
func Run(ctx context.Context, pods *Pods, r Request, out *Printer) error {
	defer pods.Cleanup(ctx)
	if n, err := pods.Reap(ctx); err != nil {
		return err
	} else if n > 0 {
		out.Note("*", fmt.Sprintf("removed %d debug pods left by earlier runs", n))
	}
	hb, stop := context.WithCancel(ctx)
	defer stop()
	go pods.Heartbeat(hb)
	if err := pods.watch(hb); err != nil {
		return err
	}
	var g errgroup.Group
	g.SetLimit(max(r.Parallel, 1))
	var mu sync.Mutex
	var failed []string
	var first error
	for _, node := range r.Nodes {
		g.Go(func() error {
			err := readNode(ctx, pods, r, node, out)
			if err == nil || ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("no answer within %s (--node-timeout)", pods.NodeTimeout)
			}
			out.Note(node, "did not answer: "+err.Error())
			mu.Lock()
			defer mu.Unlock()
			failed = append(failed, node)
			if first == nil {
				first = fmt.Errorf("node %s: %w", node, err)
			}
			return nil
		})
	}
	_ = g.Wait()
	switch {
	case ctx.Err() != nil:
		return nil // interrupted: cleanup is deferred, the interruption is not an error
	case len(failed) == 1 && len(r.Nodes) == 1:
		return first
	case len(failed) > 0:
		sort.Strings(failed)
		return fmt.Errorf("%d of %d nodes did not answer (%s); the lines above are from the others, and each \"# node/NAME: did not answer\" line says why", len(failed), len(r.Nodes), listSome(failed, 5))
	}
	return nil
}

// listSome joins up to n names and says how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// readNode reads one node's logs; pods.NodeTimeout bounds it (with Follow, until the stream
// starts).
func readNode(ctx context.Context, pods *Pods, r Request, node string, out *Printer) error {
	setup, cancel := pods.nodeContext(ctx)
	defer cancel()
	if !r.Follow {
		ctx = setup
	}
	paths, err := discover(setup, pods, node, r.ConfDir)
	if err != nil {
		return err
	}
	for s, p := range r.Extra {
		if paths[s] == "" {
			paths[s] = p
		}
	}
	want := logtail.Paths{}
	for _, s := range r.Sources {
		if p := paths[s]; p != "" {
			want[s] = p
			continue
		}
		if s == logtail.Multus {
			if err := multusPodLogs(ctx, pods, r, node, out); err != nil {
				return err
			}
			continue
		}
		if len(r.Sources) == 1 { // with --source all, an IPAM the cluster does not use is no news
			out.Note(node, fmt.Sprintf("%s writes no log file (no log_file in its config or NADs)", s))
		}
	}
	if len(want) == 0 {
		return nil
	}
	mounts, files := mountsFor(want)
	args := append([]string{"node", "tail", fmt.Sprintf("--tail=%d", r.Tail), "--since=" + r.Since.String()}, files...)
	if r.Follow {
		args = append(args[:2], append([]string{"--follow"}, args[2:]...)...)
	}
	if r.PodName != "" {
		for _, m := range logtail.PodMatch(r.PodNamespace, r.PodName) {
			args = append(args[:2], append([]string{"--match=" + m}, args[2:]...)...)
		}
	}
	name, err := pods.Create(setup, node, args, mounts)
	if err != nil {
		return err
	}
	defer pods.Delete(ctx, name)
	faultpoint.Wait(ctx, faultpoint.LogsTailPod)
	if _, err := pods.WaitStarted(setup, name); err != nil {
		return err
	}
	faultpoint.Wait(ctx, faultpoint.LogsStreaming)
	return stream(ctx, pods, name, "", "", node, r, out)
}

// discover runs the first debug pod, which reads the node's CNI configs.
func discover(ctx context.Context, pods *Pods, node, confDir string) (logtail.Paths, error) {
	data, err := pods.Output(ctx, node, []string{"node", "logpaths", "--conf-dir=/host/cni"}, []mount{{host: confDir, pod: "/host/cni"}})
	if err != nil {
		return nil, err
	}
	var paths logtail.Paths
	if err := json.Unmarshal(data, &paths); err != nil {
		return nil, fmt.Errorf("node %s: reading the CNI config dir %s failed: %s", node, confDir, strings.TrimSpace(string(data)))
	}
	return paths, nil
}

// multusPodLogs falls back to the Multus daemon pods' container logs on node.
func multusPodLogs(ctx context.Context, pods *Pods, r Request, node string, out *Printer) error {
	list, err := pods.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		return fmt.Errorf("list pods on node %s: %w", node, err)
	}
	found := false
	for _, p := range list.Items {
		if !strings.Contains(p.Name, "multus") || p.Labels["app.kubernetes.io/component"] == "logs" {
			continue
		}
		found = true
		out.Note(node, fmt.Sprintf("Multus file logging is off (no logFile in its config); showing pod %s/%s's container logs", p.Namespace, p.Name))
		sub := &Pods{Client: pods.Client, Namespace: p.Namespace}
		if err := stream(ctx, sub, p.Name, p.Spec.Containers[0].Name, logtail.Multus, node, r, out); err != nil {
			return err
		}
	}
	if !found {
		out.Note(node, "Multus writes no log file (no logFile in its config) and runs no daemon pod here; set \"logFile\" in the Multus config to read it")
	}
	return nil
}

func podMatch(r Request) []string {
	if r.PodName == "" {
		return nil
	}
	return logtail.PodMatch(r.PodNamespace, r.PodName)
}

// stream copies a pod's log to out. The debug pods' lines are "SOURCE<TAB>line"; a container log
// of someone else's pod (container set) is tagged with tag as a whole.
func stream(ctx context.Context, pods *Pods, name, container, tag, node string, r Request, out *Printer) error {
	opts := &corev1.PodLogOptions{Container: container, Follow: true}
	if container != "" { // a daemon pod's own log: apply tail/since on the server
		opts.Follow = r.Follow
		if r.Tail >= 0 {
			opts.TailLines = new(int64(r.Tail))
		}
		if r.Since > 0 {
			opts.SinceSeconds = new(int64(r.Since / time.Second))
		}
	}
	rc, err := pods.Client.CoreV1().Pods(pods.Namespace).GetLogs(name, opts).Stream(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("stream logs of %s/%s on node %s: %w", pods.Namespace, name, node, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		source, line, ok := strings.Cut(sc.Text(), "\t")
		if tag != "" || !ok {
			source, line = tag, sc.Text()
		}
		if !logtail.Keep(line, podMatch(r)) {
			continue
		}
		out.Line(node, source, line)
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}
