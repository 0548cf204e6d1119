package cmd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/connectivity"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// startProbes runs check connectivity --create-probes up to the pings: it chooses the networks (the
// --network ones, else every NAD in the selected namespaces, added to want) and the nodes, deletes
// probe pods earlier runs left, starts this run's and waits for them.
func (o *CheckOptions) startProbes(ctx context.Context, c *cluster.Clients, probes *connectivity.ProbePods, want map[string]bool) ([]inspect.Pod, []connectivity.ProbeFailure, error) {
	if len(want) == 0 {
		ns := o.Namespace
		if o.AllNamespaces {
			ns = ""
		}
		nads, err := c.NADs().List(ctx, ns)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range nads {
			want[n.Namespace+"/"+n.Name] = true
		}
		if len(want) == 0 {
			return nil, nil, fmt.Errorf("no NetworkAttachmentDefinition in %s to start probe pods on; name one with --network NS/NAD", describeNamespace(ns))
		}
	}
	networks := make([]string, 0, len(want))
	nsSet := map[string]bool{}
	for n := range want {
		networks = append(networks, n)
		ns, _, _ := strings.Cut(n, "/")
		nsSet[ns] = true
	}
	sort.Strings(networks)
	namespaces := make([]string, 0, len(nsSet))
	for ns := range nsSet {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	nodes, err := o.probeNodes(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	if _, err := probes.Reap(ctx, namespaces); err != nil {
		return nil, nil, err
	}
	if err := probes.Create(ctx, networks, nodes, o.ProbesPerNode); err != nil {
		return nil, nil, err
	}
	return probes.Wait(ctx)
}

func describeNamespace(ns string) string {
	if ns == "" {
		return "any namespace"
	}
	return "namespace " + ns
}

// probeNodes returns --nodes, else the first Ready schedulable nodes by name, enough for --max-pods
// probe pods a network.
func (o *CheckOptions) probeNodes(ctx context.Context, c *cluster.Clients) ([]string, error) {
	if len(o.Nodes) > 0 {
		return o.Nodes, nil
	}
	list, err := c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if apierrors.IsForbidden(err) {
		return nil, fmt.Errorf("not allowed to list nodes to place probe pods; name them with --nodes N1,N2")
	}
	if err != nil {
		return nil, fmt.Errorf("list nodes to place probe pods: %w", err)
	}
	var nodes []string
	for _, n := range list.Items {
		if !n.Spec.Unschedulable && nodeReady(&n) {
			nodes = append(nodes, n.Name)
		}
	}
	sort.Strings(nodes)
	if len(nodes) == 0 {
		return nil, fmt.Errorf("no Ready schedulable node to place probe pods on; name nodes with --nodes")
	}
	if n := (o.MaxPods + o.ProbesPerNode - 1) / o.ProbesPerNode; len(nodes) > n {
		nodes = nodes[:max(n, 1)]
	}
	return nodes, nil
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// setProtocols gives each plan --protocol; auto is ICMP, except in namespaces whose Pod Security
// label enforces a level below privileged, which does not admit NET_RAW: UDP there.
func (o *CheckOptions) setProtocols(ctx context.Context, c *cluster.Clients, plans []connectivity.Plan) {
	level := map[string]string{}
	for i := range plans {
		p := &plans[i]
		if o.Protocol != "auto" {
			p.Protocol = o.Protocol
			continue
		}
		p.Protocol = connectivity.ProtocolICMP
		for _, m := range p.Members {
			if _, ok := level[m.Namespace]; !ok {
				level[m.Namespace] = "" // unreadable: the cluster's default, privileged unless configured
				if got, err := c.Kube.CoreV1().Namespaces().Get(ctx, m.Namespace, metav1.GetOptions{}); err == nil {
					level[m.Namespace] = got.Labels["pod-security.kubernetes.io/enforce"]
				}
			}
			if l := level[m.Namespace]; l != "" && l != "privileged" {
				p.Protocol = connectivity.ProtocolUDP
			}
		}
	}
}
