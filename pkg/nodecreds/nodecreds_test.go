package nodecreds

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// jwt is an unsigned ServiceAccount-shaped token with exp and, when pod is set, a pod binding.
func jwt(t *testing.T, exp time.Time, pod string) string {
	t.Helper()
	claims := map[string]any{"exp": exp.Unix(), "sub": "system:serviceaccount:kube-system:multus"}
	if pod != "" {
		claims["kubernetes.io"] = map[string]any{"namespace": "kube-system", "pod": map[string]string{"name": pod, "uid": "uid-" + pod}}
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + enc(payload) + "." + enc([]byte("signature"))
}

// certPEM is a self-signed certificate valid until notAfter.
func certPEM(t *testing.T, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func kubeconfig(server, caLine, userLine string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: %q
    %s
users:
- name: u
  user:
    %s
contexts:
- name: c
  context: {cluster: local, user: u}
current-context: c
`, server, caLine, userLine)
}

// node lays out files (node path → content) under a temp root; the root's etc/cni/net.d is
// mounted, as the debug pod mounts it, and so is every dir in mounted.
func node(t *testing.T, files map[string]string, mounted ...string) Mounts {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		local := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(local, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m := Mounts{"/etc/cni/net.d": filepath.Join(root, "etc/cni/net.d")}
	for _, d := range mounted {
		m[d] = filepath.Join(root, d)
	}
	return m
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestScan(t *testing.T) {
	expired := jwt(t, now.Add(-time.Hour), "kube-multus-ds-abcde")
	soon := jwt(t, now.Add(3*time.Hour), "")
	ca := "certificate-authority-data: " + b64(certPEM(t, now.AddDate(5, 0, 0)))
	multusConf := `{"cniVersion":"1.0.0","name":"multus-cni-network","type":"multus","kubeconfig":"/etc/cni/net.d/multus.d/multus.kubeconfig","delegates":[]}`
	whereaboutsConf := `{"datastore":"kubernetes","kubernetes":{"kubeconfig":"/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig"}}`
	multinetConf := `{"kubernetes":{"kubeconfig":"/etc/cni/net.d/multinet.d/multinet.kubeconfig"},"namespace":"kube-system"}`
	at := func(t time.Time) *time.Time { return &t }
	cases := []struct {
		name    string
		files   map[string]string
		mounted []string
		want    []Credential
	}{{
		name: "thin Multus token bound to a pod, expired",
		files: map[string]string{
			"etc/cni/net.d/00-multus.conf":                       multusConf,
			"etc/cni/net.d/multus.d/multus.kubeconfig":           kubeconfig("https://10.96.0.1:443", ca, "token: "+expired),
			"etc/cni/net.d/10-flannel.conflist":                  `{"name":"cbr0","plugins":[{"type":"flannel"}]}`,
			"etc/cni/net.d/whereabouts.d/whereabouts.conf":       whereaboutsConf,
			"etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig": kubeconfig("https://10.96.0.1:443", ca, "token: "+soon),
		},
		want: []Credential{
			{Source: Multus, Path: "/etc/cni/net.d/multus.d/multus.kubeconfig", Server: "https://10.96.0.1:443", Kind: KindToken,
				Expires: at(now.Add(-time.Hour)), BoundPod: "kube-system/kube-multus-ds-abcde", BoundPodUID: "uid-kube-multus-ds-abcde"},
			{Source: Whereabouts, Path: "/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig", Server: "https://10.96.0.1:443", Kind: KindToken,
				Expires: at(now.Add(3 * time.Hour))},
		},
	}, {
		name: "multinet token file and CA file beside the kubeconfig, relative paths resolved",
		files: map[string]string{
			"etc/cni/net.d/multinet.d/multinet-ipam.conf":  multinetConf,
			"etc/cni/net.d/multinet.d/multinet.kubeconfig": kubeconfig("https://10.0.0.1:6443", "certificate-authority: ca.crt", "tokenFile: token"),
			"etc/cni/net.d/multinet.d/ca.crt":              certPEM(t, now.AddDate(1, 0, 0)),
			"etc/cni/net.d/multinet.d/token":               soon + "\n",
		},
		want: []Credential{{Source: Multinet, Path: "/etc/cni/net.d/multinet.d/multinet.kubeconfig", Server: "https://10.0.0.1:6443",
			Kind: KindTokenFile, Expires: at(now.Add(3 * time.Hour))}},
	}, {
		name: "files outside the mounts are asked for, then read once mounted",
		files: map[string]string{
			"etc/cni/net.d/multinet.d/multinet-ipam.conf":  multinetConf,
			"etc/cni/net.d/multinet.d/multinet.kubeconfig": kubeconfig("https://10.0.0.1:6443", "certificate-authority: /var/lib/cni/ca.crt", "tokenFile: /var/run/multinet/token"),
		},
		want: []Credential{{Source: Multinet, Path: "/etc/cni/net.d/multinet.d/multinet.kubeconfig", Server: "https://10.0.0.1:6443",
			Kind: KindTokenFile, NeedDirs: []string{"/var/lib/cni", "/var/run/multinet"}}},
	}, {
		name: "every way a kubeconfig is unusable",
		files: map[string]string{
			"etc/cni/net.d/00-multus.conflist":                   `{"name":"multus-cni-network","plugins":[{"type":"multus-shim","kubeconfig":"multus.d/missing.kubeconfig"}]}`,
			"etc/cni/net.d/whereabouts.d/whereabouts.conf":       whereaboutsConf,
			"etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig": kubeconfig("", "certificate-authority-data: "+b64("not a certificate"), "{}"),
			"etc/cni/net.d/multinet.d/multinet-ipam.conf":        multinetConf,
			"etc/cni/net.d/multinet.d/multinet.kubeconfig":       "clusters: [this is: not: yaml",
			"etc/cni/net.d/other.d/old.kubeconfig":               kubeconfig("https://x", "certificate-authority: /etc/cni/net.d/other.d/ca.crt", "tokenFile: /etc/cni/net.d/other.d/token"),
			"etc/cni/net.d/other.d/ca.crt":                       certPEM(t, now.Add(-time.Minute)),
			"etc/cni/net.d/typed.d/wrong.kubeconfig":             "clusters: 5",
		},
		want: []Credential{
			{Source: Multinet, Path: "/etc/cni/net.d/multinet.d/multinet.kubeconfig", Problems: []string{"not a valid kubeconfig (yaml: did not find expected ',' or ']')"}},
			{Source: Multus, Path: "/etc/cni/net.d/multus.d/missing.kubeconfig", Problems: []string{"cannot read the kubeconfig: it does not exist"}},
			{Source: "other", Path: "/etc/cni/net.d/other.d/old.kubeconfig", Server: "https://x", Kind: KindTokenFile, Problems: []string{
				"its CA file /etc/cni/net.d/other.d/ca.crt expired at " + now.Add(-time.Minute).Format(time.RFC3339),
				"cannot read its token file /etc/cni/net.d/other.d/token: it does not exist"}},
			{Source: "typed", Path: "/etc/cni/net.d/typed.d/wrong.kubeconfig", Problems: []string{"not a valid kubeconfig (a field has the wrong type)"}},
			{Source: Whereabouts, Path: "/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig", Kind: KindNone, Problems: []string{
				"names no API server (clusters[].cluster.server is empty)",
				"its certificate-authority-data holds no PEM certificate",
				"carries no credential, so its requests are anonymous and forbidden"}},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Scan(node(t, tc.files, tc.mounted...), "/etc/cni/net.d", now)
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(tc.want, "", "  ")
				t.Fatalf("got\n%s\nwant\n%s", g, w)
			}
			out, _ := json.Marshal(got)
			for _, tok := range []string{expired, soon} {
				if strings.Contains(string(out), strings.Split(tok, ".")[1]) {
					t.Fatal("the scan's output holds a token")
				}
			}
		})
	}
}

func TestWiderMountsReadTheRest(t *testing.T) {
	soon := jwt(t, now.Add(time.Hour), "")
	m := node(t, map[string]string{
		"etc/cni/net.d/multinet.d/multinet-ipam.conf":  `{"kubernetes":{"kubeconfig":"/etc/cni/net.d/multinet.d/multinet.kubeconfig"}}`,
		"etc/cni/net.d/multinet.d/multinet.kubeconfig": kubeconfig("https://10.0.0.1:6443", "", "tokenFile: /var/run/multinet/token"),
		"var/run/multinet/token":                       soon,
	}, "/var/run/multinet")
	got := Scan(m, "/etc/cni/net.d", now)
	if len(got) != 1 || got[0].NeedDirs != nil || got[0].Expires == nil || !got[0].Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("got %+v, want the token file read through the second mount", got)
	}
}

func TestParseToken(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	cases := []struct {
		name, tok string
		wantErr   bool
		exp       int64
	}{
		{"opaque static token", "abcdef0123456789", true, 0},
		{"payload not base64", "a.%%%.c", true, 0},
		{"payload not JSON", "a." + enc([]byte("nope")) + ".c", true, 0},
		{"exp a string", "a." + enc([]byte(`{"exp":"soon"}`)) + ".c", true, 0},
		{"exp absurd", "a." + enc([]byte(`{"exp":1e300}`)) + ".c", true, 0},
		{"no exp: legacy Secret token", "a." + enc([]byte(`{"sub":"x"}`)) + ".c", false, 0},
		{"exp as float", "a." + enc([]byte(`{"exp":1790000000.0}`)) + ".c", false, 1790000000},
		{"padded payload", "a." + base64.URLEncoding.EncodeToString([]byte(`{"exp":1790000000}`)) + ".c", false, 1790000000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseToken(tc.tok)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if tc.exp != 0 && (c.Expires == nil || c.Expires.Unix() != tc.exp) {
				t.Fatalf("expires %v, want %d", c.Expires, tc.exp)
			}
			if err == nil && tc.exp == 0 && c.Expires != nil {
				t.Fatalf("expires %v, want none", c.Expires)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	m := Mounts{"/etc/cni/net.d": "/host/cni", "/etc/cni/net.d/multinet.d": "/host/extra0", "/var": "/host/extra1"}
	for in, want := range map[string]string{
		"/etc/cni/net.d/00-multus.conf":             "/host/cni/00-multus.conf",
		"/etc/cni/net.d/multinet.d/token":           "/host/extra0/token",
		"/etc/cni/net.d/../../../var/run/x":         "/host/extra1/run/x",
		"/etc/cni/net.d/../../var/run/x":            "",
		"/etc/cni/net.dx/y":                         "",
		"/etc/cni/net.d":                            "/host/cni",
		"/etc/cni/net.d/multus.d/multus.kubeconfig": "/host/cni/multus.d/multus.kubeconfig",
	} {
		got, ok := m.Resolve(in)
		if got != want || ok != (want != "") {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
