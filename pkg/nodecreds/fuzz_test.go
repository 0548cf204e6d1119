package nodecreds

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParseToken decodes arbitrary tokens: it must not panic, and a parsed expiry is a real time.
func FuzzParseToken(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3OTAwMDAwMDAsImt1YmVybmV0ZXMuaW8iOnsibmFtZXNwYWNlIjoia3ViZS1zeXN0ZW0iLCJwb2QiOnsibmFtZSI6Im11bHR1cyIsInVpZCI6IngifX19.c2ln")
	f.Add("a.b.c")
	f.Add("opaque-token")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseToken(tok)
		if err != nil {
			return
		}
		if c.Expires != nil && (c.Expires.Year() < 1970 || c.Expires.Year() > 5200) {
			t.Fatalf("expiry %v is no time a token can carry", c.Expires)
		}
	})
}

// FuzzDescribe reads arbitrary bytes as a node's kubeconfig: it must not panic, its problems must
// read in user terms (no Go types), and no part of the file that looks like a token may come out.
func FuzzDescribe(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://x}\nusers:\n- name: u\n  user: {token: abc.def.ghi}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"))
	f.Add([]byte("clusters: 5"))
	f.Add([]byte("{\"users\": [{\"name\": \"u\", \"user\": {\"tokenFile\": \"../../x\"}}]}"))
	f.Add([]byte{0, 1, 2, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "multus.d")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "multus.kubeconfig"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c := Describe(Mounts{"/etc/cni/net.d": root}, Multus, "/etc/cni/net.d/multus.d/multus.kubeconfig", time.Unix(1790000000, 0))
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Problems {
			if strings.Contains(p, "Go value") || strings.Contains(p, "map[") || strings.Contains(p, "interface {}") {
				t.Fatalf("problem in Go terms: %q", p)
			}
		}
		for _, field := range strings.Fields(string(data)) {
			if parts := strings.Split(strings.Trim(field, `"{},`), "."); len(parts) == 3 && len(parts[1]) >= 8 && strings.Contains(string(out), parts[1]) {
				t.Fatalf("output %s holds the token part %q", out, parts[1])
			}
		}
	})
}
