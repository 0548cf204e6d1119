package cniconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRead: text files are kept with their secrets redacted, a kubeconfig's token and certificate
// included; binary files, sockets' stand-ins (symbolic links) and files over the cap are noted.
func TestRead(t *testing.T) {
	root := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("00-multus.conf", `{"name":"multus-cni-network","type":"multus","kubeconfig":"/etc/cni/net.d/multus.d/multus.kubeconfig"}`)
	write("multus.d/multus.kubeconfig", "users:\n- name: multus\n  user:\n    token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtdWx0dXMifQ.c2lnbmF0dXJl\n    client-certificate-data: LS0tLS1CRUdJTg==\n")
	write("blob.bin", "\xff\xfe\x00binary")
	write("big.conf", strings.Repeat("x", MaxFile+1))
	if err := os.Symlink("00-multus.conf", filepath.Join(root, "link.conf")); err != nil {
		t.Fatal(err)
	}
	d := Read(root)
	if !strings.Contains(d.Files["00-multus.conf"], "multus.kubeconfig") {
		t.Errorf("00-multus.conf: %q", d.Files["00-multus.conf"])
	}
	kc := d.Files[filepath.Join("multus.d", "multus.kubeconfig")]
	if strings.Contains(kc, "eyJhbGci") || strings.Contains(kc, "LS0tLS1") || !strings.Contains(kc, "name: multus") {
		t.Errorf("kubeconfig not redacted, or over-redacted: %q", kc)
	}
	if len(d.Files) != 2 || len(d.Skipped) != 3 {
		t.Errorf("files %v, skipped %v; want 2 files and blob.bin, big.conf, link.conf skipped", keys(d.Files), d.Skipped)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
