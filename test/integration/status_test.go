package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	nadclient "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/client/clientset/versioned"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

func runBin(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	cmd := exec.Command(s.bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errOut.String(), code}
}

// seed creates namespace ns with NADs and pods whose annotations are what Multus writes.
func seed(t *testing.T, ns string, pods map[string]map[string]string, nads map[string]string) {
	t.Helper()
	ctx := context.Background()
	kc := kubernetes.NewForConfigOrDie(s.env.Config)
	if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nc := nadclient.NewForConfigOrDie(s.env.Config)
	for name, config := range nads {
		nad := &nadv1.NetworkAttachmentDefinition{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: nadv1.NetworkAttachmentDefinitionSpec{Config: config}}
		if _, err := nc.K8sCniCncfIoV1().NetworkAttachmentDefinitions(ns).Create(ctx, nad, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for name, ann := range pods {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: ann, Labels: map[string]string{"app": strings.Split(name, "-")[0]}},
			Spec:       corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c", Image: "docker.io/lab/app:1"}}},
		}
		if _, err := kc.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

const macvlanNAD = `{"cniVersion":"1.0.0","type":"macvlan","master":"veth-mn0","mode":"bridge","ipam":{"type":"whereabouts","range":"172.30.0.0/24"}}`

func statusOf(ns, net string, ip string) string {
	return fmt.Sprintf(`[{"name":"","interface":"eth0","ips":["10.244.0.5"],"mac":"0a:58:0a:f4:00:05","default":true,"dns":{}},{"name":"%s/%s","interface":"net1","ips":["%s"],"mac":"02:42:ac:1e:00:02","dns":{}}]`, ns, net, ip)
}

type jsonReport struct {
	Pods []struct {
		Namespace, Name, Node, Phase string
		Interfaces                   []struct {
			Network, Interface, State string
			IPs                       []string
			Config                    string
		}
		Problems []string
	}
}

func decode(t *testing.T, out string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("status -o json printed invalid JSON: %v\n%s", err, out)
	}
	return r
}

func TestStatusAgainstAPIServer(t *testing.T) {
	testneeds.Need(t, s.lacking)
	ns := "it-status"
	seed(t, ns, map[string]map[string]string{
		"good-1":   {"k8s.v1.cni.cncf.io/networks": "data", "k8s.v1.cni.cncf.io/network-status": statusOf(ns, "data", "172.30.0.2")},
		"good-2":   {"k8s.v1.cni.cncf.io/networks": ns + "/data@net1", "k8s.v1.cni.cncf.io/network-status": statusOf(ns, "data", "172.30.0.3")},
		"half-1":   {"k8s.v1.cni.cncf.io/networks": "data,gone", "k8s.v1.cni.cncf.io/network-status": statusOf(ns, "data", "172.30.0.4")},
		"broken-1": {"k8s.v1.cni.cncf.io/networks": `[{"name":"data"`},
		"plain-1":  nil,
	}, map[string]string{"data": macvlanNAD})

	r := runBin(t, s.kubeconfig, "status", "-n", ns, "-o", "json", "--chunk-size", "2")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decode(t, r.stdout)
	var names []string
	states := map[string][]string{}
	for _, p := range rep.Pods {
		names = append(names, p.Name)
		if p.Node != "node-a" || p.Phase != "Pending" {
			t.Errorf("pod %s: node %q phase %q, want node-a Pending (from the table columns)", p.Name, p.Node, p.Phase)
		}
		for _, in := range p.Interfaces {
			states[p.Name] = append(states[p.Name], in.Interface+"="+in.State)
			if in.Network == ns+"/data" && in.Config != "macvlan master=veth-mn0 mode=bridge ipam=whereabouts range=172.30.0.0/24" {
				t.Errorf("pod %s: config %q", p.Name, in.Config)
			}
			if in.Network == ns+"/gone" && in.Config != "NAD not found" {
				t.Errorf("pod %s: missing NAD config %q", p.Name, in.Config)
			}
		}
		if p.Name == "broken-1" && len(p.Problems) != 1 {
			t.Errorf("broken-1 problems = %q", p.Problems)
		}
	}
	if want := []string{"broken-1", "good-1", "good-2", "half-1", "plain-1"}; !reflect.DeepEqual(names, want) {
		t.Errorf("pods = %v, want %v (all pages, name order)", names, want)
	}
	wantStates := map[string][]string{
		"good-1": {"eth0=default", "net1=attached"},
		"good-2": {"eth0=default", "net1=attached"},
		"half-1": {"eth0=default", "net1=attached", "net2=missing"},
	}
	for pod, want := range wantStates {
		if !reflect.DeepEqual(states[pod], want) {
			t.Errorf("%s states = %v, want %v", pod, states[pod], want)
		}
	}

	t.Run("one pod by kind/name, wide table", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "status", "-n", ns, "pod/half-1", "-o", "wide")
		if r.code != 0 || !strings.Contains(r.stdout, "net2") || !strings.Contains(r.stdout, "missing") || strings.Contains(r.stdout, "good-1") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("label selector", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "status", "-n", ns, "-l", "app=good", "-o", "json")
		if got := len(decode(t, r.stdout).Pods); got != 2 {
			t.Fatalf("-l app=good gave %d pods, want 2", got)
		}
	})
	t.Run("all namespaces includes the namespace column", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "status", "-A")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "NAMESPACE") || !strings.Contains(r.stdout, ns) {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("bare command prints the older plugin's table", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "-n", ns)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 0 || !regexpFields(lines[0], "POD", "IF", "ADDRESS", "MAC") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "[172.30.0.2]") {
			t.Errorf("address not in the older plugin's [a b] form:\n%s", r.stdout)
		}
		r = runBin(t, s.kubeconfig, "-n", ns, "-o", "json")
		var entries []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil || len(entries) != 6 {
			t.Fatalf("legacy json: %v, %d entries\n%s", err, len(entries), r.stdout)
		}
	})
	t.Run("unknown pod", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "status", "-n", ns, "nope")
		if r.code != 1 || !strings.Contains(r.stderr, `pod "nope" not found in namespace "it-status"`) || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("shell completion lists pods and namespaces", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "__complete", "status", "-n", ns, "half")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "half-1\n") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = runBin(t, s.kubeconfig, "__complete", "status", "-n", "it-st")
		if r.code != 0 || !strings.HasPrefix(r.stdout, ns+"\n") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("version", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "version")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "kubectl-multinet dev (commit unknown, go") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("wrong flag is a usage error", func(t *testing.T) {
		r := runBin(t, s.kubeconfig, "status", "--bogus")
		if r.code != 2 || !strings.Contains(r.stderr, "unknown flag: --bogus") {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestStatusPermissions(t *testing.T) {
	testneeds.Need(t, s.lacking)
	ns := "it-rbac"
	seed(t, ns, map[string]map[string]string{
		"app-1": {"k8s.v1.cni.cncf.io/networks": "data", "k8s.v1.cni.cncf.io/network-status": statusOf(ns, "data", "172.30.0.9")},
	}, map[string]string{"data": macvlanNAD})
	reader := podReader(t, kubernetes.NewForConfigOrDie(s.env.Config), ns)
	nobody, err := s.env.KubeconfigFor(s.dir, "nobody")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("pods readable, NADs forbidden: rows still printed", func(t *testing.T) {
		r := runBin(t, reader, "status", "-n", ns, "-o", "json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		rep := decode(t, r.stdout)
		if len(rep.Pods) != 1 || len(rep.Pods[0].Interfaces) != 2 {
			t.Fatalf("report %+v", rep)
		}
		if c := rep.Pods[0].Interfaces[1].Config; !strings.Contains(c, "NAD unreadable: not allowed to list network-attachment-definitions") {
			t.Errorf("config = %q", c)
		}
	})
	t.Run("pods forbidden: one line naming the verb and resource", func(t *testing.T) {
		r := runBin(t, nobody, "status", "-n", ns)
		if r.code != 1 || !strings.HasPrefix(r.stderr, `error: not allowed to list pods in namespace "it-rbac"; ask for RBAC "list" on pods`) || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// podReader returns a kubeconfig of user pod-reader, who may get and list pods in ns, and nothing else.
func podReader(t *testing.T, kc kubernetes.Interface, ns string) string {
	t.Helper()
	ctx := context.Background()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: ns},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}}
	if _, err := kc.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "pod-reader", APIGroup: "rbac.authorization.k8s.io"}}}
	if _, err := kc.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	reader, err := s.env.KubeconfigFor(s.dir, "pod-reader")
	if err != nil {
		t.Fatal(err)
	}
	return reader
}

func TestAPIServerDown(t *testing.T) {
	testneeds.Need(t, s.lacking)
	for _, args := range [][]string{{"status"}, {"install"}, {"uninstall"}, {"logs", "--all-nodes"}, {"attach", "explain", "pod/x"}, {"doctor"}} {
		r := runBin(t, s.kubeconfig, append(args, "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify", "--request-timeout", "5s")...)
		if r.code == 0 || !strings.HasPrefix(r.stderr, "error: cannot reach the Kubernetes API server") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func regexpFields(line string, want ...string) bool {
	return reflect.DeepEqual(strings.Fields(line), want)
}

// runKubectl runs kubectl with kubeconfig and returns its stdout.
func runKubectl(kubectl, kubeconfig string, args ...string) ([]byte, error) {
	cmd := exec.Command(kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kubectl %v: %w: %s", args, err, errOut.String())
	}
	return out, nil
}
