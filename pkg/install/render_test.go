package install

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	multinet "github.com/kubectl-multinet/kubectl-multinet"
)

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want Config
		nad  bool
	}{
		{"defaults", Config{}, Config{Image: "ghcr.io/kubectl-multinet/multinet-cni:v0.1.0", BinDir: DefaultBinDir, ConfDir: DefaultConfDir}, true},
		{"gke, own image, no NAD CRD", Config{Image: "r.example/m:1", BinDir: GKEBinDir, ConfDir: "/etc/cni/net.d", SkipNADCRD: true},
			Config{Image: "r.example/m:1", BinDir: GKEBinDir, ConfDir: "/etc/cni/net.d"}, false},
		{"lab dirs and API server", Config{BinDir: "/lab/bin", ConfDir: "/lab/net.d", APIServer: "https://127.0.0.1:6443"},
			Config{Image: "ghcr.io/kubectl-multinet/multinet-cni:v0.1.0", BinDir: "/lab/bin", ConfDir: "/lab/net.d"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Render(multinet.PluginsYAML, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if got := find(objs, "CustomResourceDefinition", NADCRD) != nil; got != tc.nad {
				t.Errorf("NAD CRD rendered: %v, want %v", got, tc.nad)
			}
			ds := find(objs, "DaemonSet", DaemonSetName)
			if ds == nil {
				t.Fatal("no DaemonSet")
			}
			got, err := DaemonSetDirs(ds)
			if err != nil || got != tc.want {
				t.Errorf("DaemonSetDirs = %+v, %v; want %+v", got, err, tc.want)
			}
			args, _, _ := unstructured.NestedSlice(ds.Object, "spec", "template", "spec", "initContainers")
			install := args[0].(map[string]any)["args"].([]any)
			var strs []string
			for _, a := range install {
				strs = append(strs, a.(string))
			}
			if !slices.Contains(strs, "--host-conf-dir="+tc.want.ConfDir+"/multinet.d") {
				t.Errorf("install args %v lack the host conf dir", strs)
			}
			if has := slices.Contains(strs, "--apiserver="+tc.c.APIServer); has != (tc.c.APIServer != "") {
				t.Errorf("install args %v: --apiserver present %v, want %v", strs, has, tc.c.APIServer != "")
			}
		})
	}
}

func TestPodState(t *testing.T) {
	waiting := func(r string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: r}}
	}
	for _, tc := range []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"init running", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{}}},
			Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}, "Init:0/1"},
		{"init failed", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{}}},
			Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}}}}}, "Init:Error"},
		{"image pull", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{State: waiting("ErrImagePull")}}}}, "ErrImagePull"},
		{"running", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}, "Running"},
	} {
		if got := PodState(&tc.pod); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCleanupPodIsNarrow(t *testing.T) {
	p := CleanupPod("n1", Config{Image: "i", BinDir: "/opt/cni/bin", ConfDir: "/etc/cni/net.d"})
	c := p.Spec.Containers[0]
	if p.Spec.NodeName != "n1" || p.Spec.ActiveDeadlineSeconds == nil || *c.SecurityContext.AllowPrivilegeEscalation || c.SecurityContext.Privileged != nil {
		t.Errorf("cleanup pod not pinned, bounded and unprivileged: %+v", p.Spec)
	}
	var paths []string
	for _, v := range p.Spec.Volumes {
		paths = append(paths, v.HostPath.Path)
	}
	if !slices.Equal(paths, []string{"/opt/cni/bin", "/etc/cni/net.d/multinet.d"}) {
		t.Errorf("cleanup pod mounts %v; it must see only the bin dir and multinet.d", paths)
	}
}
