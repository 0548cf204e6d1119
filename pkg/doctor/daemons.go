package doctor

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// InDaemonPods are the pods of the Multus DaemonSets, with their container statuses.
const InDaemonPods Input = "multus daemon pods"

func daemonChecks() []Check {
	return []Check{
		{Code: "MN1006", Name: "MultusDaemonOOMKilled", Severity: Error, Needs: []Input{InDaemonSets, InDaemonPods},
			Summary: "A Multus daemon container was killed for exceeding its memory limit", Run: checkDaemonOOM},
		{Code: "MN1007", Name: "MultusDaemonRestarting", Severity: Warning, Needs: []Input{InDaemonSets, InDaemonPods},
			Summary: "A Multus daemon container restarted", Run: checkDaemonRestarts},
	}
}

// isDaemonPod reports whether u is a pod that a Multus DaemonSet owns.
func isDaemonPod(u *unstructured.Unstructured) bool {
	for _, o := range u.GetOwnerReferences() {
		if o.Kind == "DaemonSet" && strings.Contains(o.Name, "multus") {
			return true
		}
	}
	return false
}

// readDaemonPods lists the pods of each Multus DaemonSet by its selector.
func (m *Model) readDaemonPods(ctx context.Context, c dynamic.Interface) {
	if !m.Has(InDaemonSets) {
		return
	}
	for _, ds := range m.DaemonSets {
		sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
		if err != nil {
			m.Notes = append(m.Notes, fmt.Sprintf("DaemonSet %s/%s: its selector is invalid (%v); its pods are not checked", ds.Namespace, ds.Name, err))
			continue
		}
		list, err := c.Resource(gvr.Pods).Namespace(ds.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			m.Notes = append(m.Notes, fmt.Sprintf("skipped the pods of DaemonSet %s/%s: %v", ds.Namespace, ds.Name, err))
			return
		}
		for i := range list.Items {
			if isDaemonPod(&list.Items[i]) {
				if m.DaemonPods, err = appendConverted(m.DaemonPods, &list.Items[i]); err != nil {
					m.Notes = append(m.Notes, fmt.Sprintf("pod %s/%s: %v", ds.Namespace, list.Items[i].GetName(), err))
				}
			}
		}
	}
	m.Mark(InDaemonPods)
}

// daemonContainers calls f for every container status of the Multus daemon pods, init containers included.
func (m *Model) daemonContainers(f func(p *corev1.Pod, c corev1.ContainerStatus, limit string)) {
	pods := append([]*corev1.Pod(nil), m.DaemonPods...)
	sort.Slice(pods, func(i, j int) bool { return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name })
	for _, p := range pods {
		limits := map[string]string{}
		for _, c := range append(append([]corev1.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...) {
			if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
				limits[c.Name] = q.String()
			}
		}
		for _, c := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
			f(p, c, limits[c.Name])
		}
	}
}

func daemonPodObject(p *corev1.Pod) Object {
	return Object{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
}

func checkDaemonOOM(m *Model, r *Reporter) {
	m.daemonContainers(func(p *corev1.Pod, c corev1.ContainerStatus, limit string) {
		last := c.LastTerminationState.Terminated
		if cur := c.State.Terminated; cur != nil && cur.Reason == "OOMKilled" {
			last = cur
		}
		if last == nil || last.Reason != "OOMKilled" {
			return
		}
		if limit == "" {
			limit = "none set; the node ran out of memory"
		}
		r.Report(daemonPodObject(p),
			fmt.Sprintf("raise the memory limit of container %s in the DaemonSet (Multus #1346, #1416, #1383), and give it Guaranteed QoS (#1160)", c.Name),
			"container %s on node %s was OOMKilled (memory limit %s) at %s and has restarted %d times; pods created on that node meanwhile failed with \"connection reset by peer\" or \"EOF\" from multus-shim",
			c.Name, p.Spec.NodeName, limit, last.FinishedAt.UTC().Format("2006-01-02 15:04:05 MST"), c.RestartCount)
	})
}

func checkDaemonRestarts(m *Model, r *Reporter) {
	m.daemonContainers(func(p *corev1.Pod, c corev1.ContainerStatus, _ string) {
		last := c.LastTerminationState.Terminated
		if c.RestartCount == 0 || (last != nil && last.Reason == "OOMKilled") {
			return
		}
		how := "no record of the last exit"
		if last != nil {
			how = fmt.Sprintf("last exit: %s (code %d) at %s", last.Reason, last.ExitCode, last.FinishedAt.UTC().Format("2006-01-02 15:04:05 MST"))
		}
		r.Report(daemonPodObject(p),
			fmt.Sprintf("kubectl -n %s logs %s -c %s --previous", p.Namespace, p.Name, c.Name),
			"container %s on node %s restarted %d times; %s", c.Name, p.Spec.NodeName, c.RestartCount, how)
	})
}
