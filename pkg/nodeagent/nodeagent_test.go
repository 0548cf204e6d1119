package nodeagent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestInstallWriteRemove(t *testing.T) {
	tmp := t.TempDir()
	d := Dirs{Bin: filepath.Join(tmp, "bin"), Conf: filepath.Join(tmp, "conf"), HostConf: "/etc/cni/net.d/multinet.d", ServiceAccount: filepath.Join(tmp, "sa")}
	for _, dir := range []string{d.Bin, d.Conf, d.ServiceAccount} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self := filepath.Join(tmp, "self")
	for f, data := range map[string]string{self: "binary", filepath.Join(d.ServiceAccount, "token"): "tok-1", filepath.Join(d.ServiceAccount, "ca.crt"): "ca", filepath.Join(d.Bin, "multus"): "theirs"} {
		if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := InstallPlugins(self, d.Bin); err != nil {
		t.Fatal(err)
	}
	for _, p := range Plugins {
		fi, err := os.Stat(filepath.Join(d.Bin, p))
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v %v", p, fi, err)
		}
	}
	if err := WriteCredentials(d, "https://10.0.0.1:443", "kube-system", "node-a"); err != nil {
		t.Fatal(err)
	}
	kc, err := clientcmd.LoadFromFile(filepath.Join(d.Conf, Kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	if c := kc.Clusters[kc.Contexts[kc.CurrentContext].Cluster]; c.Server != "https://10.0.0.1:443" || c.CertificateAuthority != "/etc/cni/net.d/multinet.d/ca.crt" {
		t.Errorf("cluster %+v", c)
	}
	if a := kc.AuthInfos[kc.Contexts[kc.CurrentContext].AuthInfo]; a.TokenFile != "/etc/cni/net.d/multinet.d/token" {
		t.Errorf("auth %+v: the IPAM must re-read the refreshed token file", a)
	}
	var flat map[string]any
	data, _ := os.ReadFile(filepath.Join(d.Conf, FlatConfig))
	if err := json.Unmarshal(data, &flat); err != nil || flat["namespace"] != "kube-system" || flat["node_name"] != "node-a" {
		t.Errorf("flat config %s: %v", data, err)
	}
	// A refresh picks up the rotated token.
	if err := os.WriteFile(filepath.Join(d.ServiceAccount, "token"), []byte("tok-2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteCredentials(d, "https://10.0.0.1:443", "kube-system", "node-a"); err != nil {
		t.Fatal(err)
	}
	if tok, _ := os.ReadFile(filepath.Join(d.Conf, "token")); string(tok) != "tok-2" {
		t.Errorf("token not refreshed: %q", tok)
	}
	for _, f := range []string{AgentSocket, FallbackSpool} { // what the agent and plugins write while running
		if err := os.WriteFile(filepath.Join(d.Conf, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Remove(d); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "*", "*"))
	for _, f := range left {
		if filepath.Dir(f) != d.ServiceAccount && f != self && f != filepath.Join(d.Bin, "multus") {
			t.Errorf("left behind: %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(d.Bin, "multus")); err != nil {
		t.Errorf("removed a plugin that is not ours: %v", err)
	}
	if err := Remove(d); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}
