package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/install"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
)

// agentSelector finds the node agents of `kubectl multinet install`.
const agentSelector = "app.kubernetes.io/name=multinet,app.kubernetes.io/component=cni"

// nodeFigures scrapes every node agent's metrics through the API server's pod proxy (the port
// named "metrics" of its agent container) and returns one row a node, with a problem where the
// scrape failed.
func nodeFigures(ctx context.Context, client kubernetes.Interface) ([]ipam.NodeFigures, error) {
	pods, err := client.CoreV1().Pods(install.Namespace).List(ctx, metav1.ListOptions{LabelSelector: agentSelector})
	if apierrors.IsForbidden(err) {
		return nil, fmt.Errorf("not allowed to list the node agents' pods in %s; ask for RBAC \"list\" on pods there", install.Namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("list the node agents in %s: %w", install.Namespace, err)
	}
	if len(pods.Items) == 0 {
		return nil, fmt.Errorf("no node agent in %s (label %s); is multinet installed (kubectl multinet install)?", install.Namespace, agentSelector)
	}
	var out []ipam.NodeFigures
	for _, p := range pods.Items {
		out = append(out, scrape(ctx, client, &p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out, nil
}

// scrape reads one agent's metrics.
func scrape(ctx context.Context, client kubernetes.Interface, p *corev1.Pod) ipam.NodeFigures {
	node := p.Spec.NodeName
	port := metricsPort(p)
	switch {
	case port == 0:
		return ipam.NodeFigures{Node: node, Problem: "its agent serves no metrics (no container port named metrics; reinstall with this version)"}
	case p.Status.Phase != corev1.PodRunning:
		return ipam.NodeFigures{Node: node, Problem: fmt.Sprintf("agent pod %s is %s", p.Name, p.Status.Phase)}
	}
	data, err := client.CoreV1().Pods(p.Namespace).ProxyGet("http", p.Name, strconv.Itoa(port), "metrics", nil).DoRaw(ctx)
	if apierrors.IsForbidden(err) {
		return ipam.NodeFigures{Node: node, Problem: fmt.Sprintf("not allowed to read it: ask for RBAC \"get\" on pods/proxy in %s", p.Namespace)}
	}
	if err != nil {
		return ipam.NodeFigures{Node: node, Problem: fmt.Sprintf("no answer from agent pod %s at port %d: %v", p.Name, port, firstLineOf(err))}
	}
	f, err := ipam.ParseNodeMetrics(node, io.LimitReader(bytes.NewReader(data), 16<<20))
	if err != nil {
		return ipam.NodeFigures{Node: node, Problem: err.Error()}
	}
	return f
}

func metricsPort(p *corev1.Pod) int {
	for _, c := range p.Spec.Containers {
		for _, port := range c.Ports {
			if port.Name == "metrics" {
				return int(port.ContainerPort)
			}
		}
	}
	return 0
}

// printNodeFigures writes the per-node table of ipam usage --nodes.
func printNodeFigures(w io.Writer, rows []ipam.NodeFigures) {
	fmt.Fprintf(w, "\n%-24s %9s %9s %6s %9s %11s %10s %9s %9s\n", "NODE", "ALLOCATED", "RELEASED", "ERRORS", "FALLBACKS", "GC-RELEASED", "API-ERRORS", "ALLOC-P50", "ALLOC-P99")
	for _, r := range rows {
		if r.Problem != "" {
			fmt.Fprintf(w, "%-24s %s\n", r.Node, r.Problem)
			continue
		}
		fmt.Fprintf(w, "%-24s %9.0f %9.0f %6.0f %9.0f %11.0f %10.0f %9s %9s\n", r.Node, r.Allocated, r.Released, r.Errors, r.Fallbacks, r.GCReleased, r.APIErrors, ms(r.AllocateP50), ms(r.AllocateP99))
	}
}

func ms(seconds float64) string {
	if math.IsNaN(seconds) {
		return "-"
	}
	return fmt.Sprintf("%.1fms", seconds*1000)
}

func firstLineOf(err error) string {
	s := err.Error()
	for i := range s {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
