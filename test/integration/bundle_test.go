package integration

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// Secrets planted in objects the bundle reads; none may reach the archive.
const (
	plantedJWT  = "eyJhbGciOiJSUzI1NiIsImtpZCI6InBsYW50ZWQifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXBsYW50ZWQ"
	plantedPEM  = "-----BEGIN CERTIFICATE-----\nMIIBplantedcertificatebody\n-----END CERTIFICATE-----"
	plantedPass = "hunter2-planted"
)

// archiveText returns every entry of a .tar.gz, concatenated, and the entry names.
func archiveText(t *testing.T, file string) (string, []string) {
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

// TestBundle: a bundle of a namespace holds its pods, NADs and the Multus ConfigMap; no token,
// password or certificate planted in annotations, ConfigMaps or a Secret survives; status and
// doctor read it with -f; a user who may only read pods gets a partial bundle that says what it
// skipped; an existing file is never overwritten.
func TestBundle(t *testing.T) {
	testneeds.Need(t, s.lacking)
	ctx := context.Background()
	ns := "bundle-it"
	seed(t, ns, map[string]map[string]string{
		"cnf-1": {"k8s.v1.cni.cncf.io/networks": "data", "k8s.v1.cni.cncf.io/network-status": statusOf(ns, "data", "172.30.0.7"),
			"example.com/leaked-token": plantedJWT, "example.com/ca": plantedPEM},
	}, map[string]string{"data": macvlanNAD})
	kc := kubernetes.NewForConfigOrDie(s.env.Config)
	pod, err := kc.CoreV1().Pods(ns).Get(ctx, "cnf-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	if _, err := kc.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []struct {
		name string
		data map[string]string
	}{
		{"multus-cni-config", map[string]string{"cni-conf.json": `{"name":"multus","kubeconfig":"/etc/cni/net.d/multus.d/multus.kubeconfig","token":"` + plantedJWT + `","password":"` + plantedPass + `"}`,
			"ca.crt": plantedPEM, "kubeconfig": "users:\n- name: x\n  user:\n    token: " + plantedPass + "\n"}},
	} {
		if _, err := kc.CoreV1().ConfigMaps("kube-system").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: obj.name}, Data: obj.data}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = kc.CoreV1().ConfigMaps("kube-system").Delete(ctx, "multus-cni-config", metav1.DeleteOptions{})
	})
	if _, err := kc.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "multus-token"}, StringData: map[string]string{"token": plantedPass}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "b.tar.gz")
	r := runBin(t, s.kubeconfig, "bundle", "-n", ns, "-o", file)
	if r.code != 0 || !strings.Contains(r.stderr, "wrote "+file) {
		t.Fatalf("bundle: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	text, names := archiveText(t, file)
	for _, secret := range []string{plantedJWT[:40], "BEGIN CERTIFICATE", "plantedcertificatebody", plantedPass} {
		if strings.Contains(text, secret) {
			t.Errorf("the bundle holds %q", secret)
		}
	}
	for _, want := range []string{"multinet-bundle/cluster/pods.json", "multinet-bundle/cluster/network-attachment-definitions.json", "multinet-bundle/cluster/configmaps.json", "multinet-bundle/versions.json"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("the bundle lacks %s (it has %v)", want, names)
		}
	}
	if !strings.Contains(text, "multus-cni-config") || !strings.Contains(text, "REDACTED") || !strings.Contains(text, "/etc/cni/net.d/multus.d/multus.kubeconfig") {
		t.Errorf("the Multus ConfigMap is missing or over-redacted")
	}

	st := runBin(t, s.kubeconfig, "status", "-f", file, "-A", "-o", "json")
	rep := decode(t, st.stdout)
	if st.code != 0 || len(rep.Pods) != 1 || rep.Pods[0].Name != "cnf-1" || len(rep.Pods[0].Interfaces) < 2 || rep.Pods[0].Interfaces[1].IPs[0] != "172.30.0.7" {
		t.Errorf("status -f bundle: exit %d, %+v\n%s", st.code, rep, st.stderr)
	}
	if d := runBin(t, s.kubeconfig, "doctor", "-f", file, "-A"); d.code == 2 || d.stderr != "" {
		t.Errorf("doctor -f bundle: exit %d\n%s%s", d.code, d.stdout, d.stderr)
	}

	partial := filepath.Join(dir, "partial.tar.gz")
	r = runBin(t, podReader(t, kc, ns), "bundle", "-n", ns, "-o", partial)
	if r.code != 0 || !strings.Contains(r.stderr, "partial, skipped") || !strings.Contains(r.stderr, "network-attachment-definitions") {
		t.Errorf("bundle as a pod reader: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBin(t, s.kubeconfig, "bundle", "-n", ns, "-o", file); r.code == 0 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("bundle over an existing file: exit %d\n%s", r.code, r.stderr)
	}
}
