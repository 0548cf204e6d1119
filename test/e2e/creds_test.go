//go:build e2e

package e2e

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// credsReport is doctor -o json with its notes.
type credsReport struct {
	Findings []struct {
		Code, Message string
		Object        struct{ Kind, Name string }
	}
	Notes []string
}

func (lab node) doctorNodes(t *testing.T, args ...string) (credsReport, int) {
	t.Helper()
	r := lab.multinet(t, append([]string{"doctor", "-o", "json", "--image", lab.image, "--cni-conf-dir", lab.confDir}, args...)...)
	var rep credsReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("doctor %v: exit %d, not JSON: %v\n%s\n%s", args, r.code, err, r.out, r.err)
	}
	if left := lab.kubectl(t, "", "get", "pods", "-n", "kube-system", "-l", "app.kubernetes.io/component=logs", "-o", "name"); left != "" {
		t.Errorf("doctor %v left debug pods behind: %s", args, left)
	}
	return rep, r.code
}

// nodeCodes are the node-side credential findings of rep, as "CODE node".
func (rep credsReport) nodeCodes() []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Object.Kind == "Node" {
			out = append(out, f.Code+" "+f.Object.Name)
		}
	}
	slices.Sort(out)
	return out
}

// TestNodeCredentials runs doctor --nodes on the lab: the installed multinet-ipam kubeconfig is read
// on every node through debug pods and is healthy; then node a gets a kubeconfig holding a real
// ServiceAccount token (TokenRequest, 2 h, bound to a pod), which is MN1009, and MN1008 once
// that pod is deleted; and a kubeconfig naming a token file that does not exist, MN1010.
func TestNodeCredentials(t *testing.T) {
	lab.install(t)
	rep, code := lab.doctorNodes(t, "-A", "--nodes")
	want := "multinet-ipam on " + strings.Join(lab.nodes, ", ")
	if code != 0 || len(rep.nodeCodes()) != 0 || !slices.ContainsFunc(rep.Notes, func(n string) bool {
		return strings.HasPrefix(n, "node-side kubeconfigs read: ") && strings.Contains(n, want)
	}) {
		t.Fatalf("doctor --nodes on a healthy lab: exit %d, findings %v, notes %q; want exit 0, none, and %q", code, rep.nodeCodes(), rep.Notes, want)
	}

	ns, a := "e2e-creds", lab.nodes[0]
	lab.namespace(t, ns)
	lab.kubectl(t, lab.pod(ns, "holder", ""), "apply", "-f", "-")
	uid := lab.kubectl(t, "", "get", "pod", "-n", ns, "holder", "-o", "jsonpath={.metadata.uid}")
	token := strings.TrimSpace(lab.kubectl(t, "", "create", "token", "default", "-n", ns, "--duration", "2h",
		"--bound-object-kind", "Pod", "--bound-object-name", "holder", "--bound-object-uid", uid))
	// In a directory of its own, found as any *.kubeconfig one level down is: other tests' whereabouts
	// files stay as they are.
	conf := filepath.Join(lab.confDir, "e2e-creds.d")
	files := map[string]string{
		filepath.Join(conf, "bound.kubeconfig"): fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: %q, insecure-skip-tls-verify: true}}]\n"+
			"users: [{name: wa, user: {token: %s}}]\ncontexts: [{name: wa, context: {cluster: lab, user: wa}}]\ncurrent-context: wa\n", lab.server, token),
		filepath.Join(conf, "stale.kubeconfig"): fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: %q}}]\n"+
			"users: [{name: x, user: {tokenFile: %s}}]\ncontexts: [{name: x, context: {cluster: lab, user: x}}]\ncurrent-context: x\n", lab.server, filepath.Join(conf, "token")),
	}
	for p, data := range files {
		f := lab.nodeFile(a, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.RemoveAll(lab.nodeFile(a, conf)) })

	rep, code = lab.doctorNodes(t, "-n", ns, "--nodes="+a)
	if got, want := rep.nodeCodes(), []string{"MN1009 " + a, "MN1010 " + a}; code != 1 || !slices.Equal(got, want) {
		t.Fatalf("doctor --nodes %s with a 2 h token and a missing token file: exit %d, findings %v; want exit 1 and %v", a, code, got, want)
	}
	out, _ := json.Marshal(rep)
	if strings.Contains(string(out), strings.Split(token, ".")[1]) {
		t.Fatal("doctor's output holds the token")
	}

	// A bundle of the same node: the CNI config dir, the kubeconfig facts and the logs, and not the
	// token; doctor -f on it finds what doctor --nodes found; no debug pod is left.
	file := filepath.Join(t.TempDir(), "lab.tar.gz")
	if r := lab.multinet(t, "bundle", "-n", ns, "--nodes="+a, "-o", file, "--image", lab.image, "--cni-conf-dir", lab.confDir); r.code != 0 {
		t.Fatalf("bundle --nodes=%s: exit %d\n%s%s", a, r.code, r.out, r.err)
	}
	text, names := archiveEntries(t, file)
	for _, want := range []string{"multinet-bundle/nodes/" + a + "/credentials.json", "multinet-bundle/nodes/" + a + "/cni/e2e-creds.d/bound.kubeconfig", "multinet-bundle/nodes/" + a + "/logs.txt"} {
		if !slices.Contains(names, want) {
			t.Errorf("the bundle lacks %s; it has %v", want, names)
		}
	}
	for _, part := range strings.Split(token, ".") {
		if strings.Contains(text, part) {
			t.Fatalf("the bundle holds part of the token")
		}
	}
	fr, fcode := lab.doctorNodes(t, "-f", file, "-n", ns)
	if got, want := fr.nodeCodes(), []string{"MN1009 " + a, "MN1010 " + a}; fcode != 1 || !slices.Equal(got, want) {
		t.Errorf("doctor -f bundle: exit %d, findings %v; want exit 1 and %v", fcode, got, want)
	}
	if left := strings.TrimSpace(lab.kubectl(t, "", "get", "pods", "-n", "kube-system", "-l", "app.kubernetes.io/component=logs", "-o", "name")); left != "" {
		t.Errorf("debug pods left after bundle: %s", left)
	}

	lab.kubectl(t, "", "delete", "pod", "-n", ns, "holder", "--wait", "--timeout", "60s")
	rep, code = lab.doctorNodes(t, "-n", ns, "--nodes="+a)
	if got, want := rep.nodeCodes(), []string{"MN1008 " + a, "MN1010 " + a}; code != 1 || !slices.Equal(got, want) {
		t.Fatalf("doctor --nodes %s after the token's pod was deleted: exit %d, findings %v; want exit 1 and %v", a, code, got, want)
	}
}

// archiveEntries returns a .tar.gz's entries, concatenated, and their names.
func archiveEntries(t *testing.T, file string) (string, []string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var all strings.Builder
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return all.String(), names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		data, _ := io.ReadAll(tr)
		all.Write(data)
	}
}
