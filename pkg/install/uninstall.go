package install

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// OurPlugin says whether a CNI type is one of the plugins install puts on nodes.
func OurPlugin(typ string) bool {
	return typ == "multinet-macvlan" || typ == "multinet-ipvlan" || typ == "multinet-ipam"
}

// usesOurs says whether a NAD's config runs one of our plugins (as interface, chained or IPAM).
func usesOurs(c inspect.CNIConfig) bool {
	if OurPlugin(c.Type) || (c.IPAM != nil && OurPlugin(c.IPAM.Type)) {
		return true
	}
	for _, t := range c.Chained {
		if OurPlugin(t) {
			return true
		}
	}
	return false
}

// Users lists "namespace/pod (NAD namespace/name)" for every pod that requests a NAD using our plugins.
func (c Client) Users(ctx context.Context) ([]string, error) {
	nads, err := c.NADs.List(ctx, "")
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ours := map[string]bool{}
	for _, n := range nads {
		if usesOurs(inspect.ParseConfig(n.Spec.Config)) {
			ours[n.Namespace+"/"+n.Name] = true
		}
	}
	if len(ours) == 0 {
		return nil, nil
	}
	var users []string
	opts := metav1.ListOptions{Limit: 500}
	for {
		pods, err := c.Dyn.Resource(gvr.Pods).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list pods: %w", err)
		}
		for _, p := range pods.Items {
			reqs, err := inspect.ParseNetworks(p.GetAnnotations()[inspect.NetworksAnnotation], p.GetNamespace())
			if err != nil {
				continue
			}
			for _, r := range reqs {
				if ours[r.Key()] {
					users = append(users, fmt.Sprintf("%s/%s (%s)", p.GetNamespace(), p.GetName(), r.Key()))
					break
				}
			}
		}
		if pods.GetContinue() == "" {
			break
		}
		opts.Continue = pods.GetContinue()
	}
	sort.Strings(users)
	return users, nil
}

// UninstallOptions steer Uninstall.
type UninstallOptions struct {
	// Force removes the plugins even while pods use them.
	Force bool
	// DeleteData removes the IPAllocation CRD even when it holds allocations.
	DeleteData bool
	// Timeout bounds each wait (DaemonSet pods gone, cleanup pods done).
	Timeout time.Duration
	Out     io.Writer
}

// Uninstall removes what install applied: the DaemonSet, then the binaries and our config files from
// every node (one cleanup pod per node), then the RBAC and ServiceAccount, and the IPAllocation CRD
// when it is empty or DeleteData is set. It never touches the NAD CRD or Multus' configuration.
func (c Client) Uninstall(ctx context.Context, objs []*unstructured.Unstructured, o UninstallOptions) error {
	users, err := c.Users(ctx)
	if err != nil {
		return err
	}
	if len(users) > 0 && !o.Force {
		return fmt.Errorf("%d pods use multinet plugins: %s; delete them first or pass --force (their networks break on the next sandbox change)", len(users), strings.Join(users, ", "))
	}
	ds, err := c.Dyn.Resource(gvr.DaemonSets).Namespace(Namespace).Get(ctx, DaemonSetName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		fmt.Fprintf(o.Out, "daemonset %s/%s not found: skipping node cleanup\n", Namespace, DaemonSetName)
	case err != nil:
		return fmt.Errorf("get daemonset %s/%s: %w", Namespace, DaemonSetName, err)
	default:
		conf, err := DaemonSetDirs(ds)
		if err != nil {
			return err
		}
		images, err := c.daemonSetImages(ctx, ds, conf.Image)
		if err != nil {
			return err
		}
		if err := c.deleteAndWait(ctx, ds, o); err != nil {
			return err
		}
		if err := c.cleanNodes(ctx, conf, images, o); err != nil {
			return err
		}
	}
	for i := len(objs) - 1; i >= 0; i-- {
		obj := objs[i]
		if obj.GetKind() == "DaemonSet" || obj.GetKind() == "CustomResourceDefinition" {
			continue
		}
		if err := c.delete(ctx, obj, o.Out); err != nil {
			return err
		}
	}
	return c.deleteAllocCRD(ctx, objs, o)
}

func (c Client) delete(ctx context.Context, obj *unstructured.Unstructured, out io.Writer) error {
	ri, err := c.objects(obj)
	if err != nil {
		return err
	}
	ref := Ref(obj)
	err = ri.Delete(ctx, obj.GetName(), metav1.DeleteOptions{})
	switch {
	case apierrors.IsNotFound(err):
		fmt.Fprintf(out, "%s not found\n", ref)
	case err != nil:
		return fmt.Errorf("delete %s: %w", ref, err)
	default:
		fmt.Fprintf(out, "%s deleted\n", ref)
	}
	return nil
}

func (c Client) deleteAndWait(ctx context.Context, ds *unstructured.Unstructured, o UninstallOptions) error {
	if err := c.delete(ctx, ds, o.Out); err != nil {
		return err
	}
	sel, _, _ := unstructured.NestedStringMap(ds.Object, "spec", "selector", "matchLabels")
	return poll(ctx, o.Timeout, func() (bool, error) {
		pods, err := c.Dyn.Resource(gvr.Pods).Namespace(Namespace).List(ctx, metav1.ListOptions{LabelSelector: labels(sel)})
		if err != nil {
			return false, fmt.Errorf("list pods of daemonset %s/%s: %w", Namespace, DaemonSetName, err)
		}
		return len(pods.Items) == 0, nil
	}, "pods of daemonset "+Namespace+"/"+DaemonSetName+" to go")
}

// CleanupPod is the pod that removes the plugins and our config files from node.
func CleanupPod(node string, conf Config) *corev1.Pod {
	hostPath := func(p string) corev1.VolumeSource {
		return corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: p}}
	}
	deadline := int64(120)
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "multinet-cleanup-", Namespace: Namespace,
			Labels: map[string]string{"app.kubernetes.io/name": "multinet", "app.kubernetes.io/component": "cleanup", "app.kubernetes.io/managed-by": "kubectl-multinet"},
		},
		Spec: corev1.PodSpec{
			NodeName: node, RestartPolicy: corev1.RestartPolicyNever, ActiveDeadlineSeconds: &deadline,
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			AutomountServiceAccountToken:  new(false),
			TerminationGracePeriodSeconds: new(int64(1)),
			Containers: []corev1.Container{{
				Name: "cleanup", Image: conf.Image, ImagePullPolicy: corev1.PullIfNotPresent,
				Args:         []string{"node", "uninstall", "--bin-dir=/host/bin", "--conf-dir=/host/multinet.d"},
				VolumeMounts: []corev1.VolumeMount{{Name: "cni-bin", MountPath: "/host/bin"}, {Name: "conf", MountPath: "/host/multinet.d"}},
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: new(false), ReadOnlyRootFilesystem: new(true),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "cni-bin", VolumeSource: hostPath(conf.BinDir)},
				{Name: "conf", VolumeSource: hostPath(conf.ConfDir + "/" + ConfSubdir)},
			},
		},
	}
}

// cleanNodes runs a cleanup pod on every node, each with the first of images the node holds
// (CleanupImages), and waits for them.
func (c Client) cleanNodes(ctx context.Context, conf Config, images []string, o UninstallOptions) error {
	nodes, err := c.Dyn.Resource(gvr.Nodes).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	pods := c.Dyn.Resource(gvr.Pods).Namespace(Namespace)
	var names []string
	defer func() { // cleanup pods never outlive uninstall, whatever happens
		for _, n := range names {
			_ = pods.Delete(context.WithoutCancel(ctx), n, metav1.DeleteOptions{})
		}
	}()
	byNode := CleanupImages(images, nodes.Items)
	for _, n := range nodes.Items {
		nodeConf := conf
		nodeConf.Image = byNode[n.GetName()]
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(CleanupPod(n.GetName(), nodeConf))
		if err != nil {
			return err
		}
		created, err := pods.Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create cleanup pod on node %s: %w", n.GetName(), err)
		}
		names = append(names, created.GetName())
	}
	for i, name := range names {
		node := nodes.Items[i].GetName()
		err := poll(ctx, o.Timeout, func() (bool, error) {
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, fmt.Errorf("get cleanup pod %s/%s: %w", Namespace, name, err)
			}
			phase, _, _ := unstructured.NestedString(p.Object, "status", "phase")
			if reason, msg := pullFailure(p); reason != "" {
				return false, fmt.Errorf("cleanup pod %s/%s on node %s cannot get image %s (%s: %s); the plugins stay in %s on that node", Namespace, name, node, byNode[node], reason, msg, conf.BinDir)
			}
			if phase == string(corev1.PodFailed) {
				return false, fmt.Errorf("cleanup pod %s/%s on node %s failed; see kubectl -n %s logs %s", Namespace, name, node, Namespace, name)
			}
			return phase == string(corev1.PodSucceeded), nil
		}, "cleanup pod on node "+node)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "node/%s: removed plugins from %s and our files from %s/%s\n", node, conf.BinDir, conf.ConfDir, ConfSubdir)
	}
	return nil
}

func (c Client) deleteAllocCRD(ctx context.Context, objs []*unstructured.Unstructured, o UninstallOptions) error {
	for _, obj := range objs {
		if obj.GetKind() != "CustomResourceDefinition" || obj.GetName() == NADCRD {
			continue
		}
		list, err := c.Dyn.Resource(gvr.IPAllocations).List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("list ipallocations: %w", err)
		}
		if err == nil && len(list.Items) > 0 && !o.DeleteData {
			fmt.Fprintf(o.Out, "customresourcedefinition %s kept: it holds allocations (pass --delete-data to remove them)\n", obj.GetName())
			continue
		}
		if err := c.delete(ctx, obj, o.Out); err != nil {
			return err
		}
		// Wait for it to go, so an install right after creates it anew instead of watching it vanish.
		ri, err := c.objects(obj)
		if err != nil {
			return err
		}
		if err := waitGone(ctx, ri, obj.GetName(), o.Timeout, Ref(obj)); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.Out, "customresourcedefinition %s kept: it belongs to Multus\n", NADCRD)
	return nil
}

// pullFailure returns the reason and message of a pod's container that cannot get its image.
func pullFailure(p *unstructured.Unstructured) (string, string) {
	statuses, _, _ := unstructured.NestedSlice(p.Object, "status", "containerStatuses")
	for _, st := range statuses {
		m, _ := st.(map[string]any)
		reason, _, _ := unstructured.NestedString(m, "state", "waiting", "reason")
		msg, _, _ := unstructured.NestedString(m, "state", "waiting", "message")
		switch reason {
		case "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName": // ErrImagePull is retried first
			return reason, msg
		}
	}
	return "", ""
}

// poll calls done every 500 ms until it says true, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, done func() (bool, error), what string) error {
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(context.Context) (bool, error) { return done() })
	if wait.Interrupted(err) && ctx.Err() == nil {
		return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
	}
	return err
}
