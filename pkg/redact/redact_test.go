package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	jwtTok := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	for _, tc := range []struct {
		name, in string
		gone     []string
		kept     []string
	}{
		{"JWT in an annotation", `{"a":"Bearer ` + jwtTok + `"}`, []string{jwtTok}, []string{"Bearer"}},
		{"PEM in a ConfigMap", `{"ca.crt":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nafter"}`, []string{"MIIB", "BEGIN"}, []string{"after"}},
		{"unterminated PEM", `{"x":"-----BEGIN RSA PRIVATE KEY-----\nMIIEow"}`, []string{"MIIEow"}, nil},
		{"secret keys", `{"token":"t0k","client-key-data":"a2V5","password":"p4ss","name":"multus"}`, []string{"t0k", "a2V5", "p4ss"}, []string{"multus"}},
		{"JSON inside a string", `{"cni-conf.json":"{\"kubeconfig\":\"/etc/k\",\"token\":\"t0k\"}"}`, []string{"t0k"}, []string{"/etc/k"}},
		{"YAML inside a string", `{"kubeconfig":"users:\n- user:\n    token: t0k\n    client-key-data: a2V5\n"}`, []string{"t0k", "a2V5"}, []string{"users:"}},
		{"nothing secret", `{"k8s.v1.cni.cncf.io/networks":"data@net1","items":[1,true,null]}`, nil, []string{"data@net1"}},
	} {
		var v any
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		out, _ := json.Marshal(Value(v))
		for _, g := range tc.gone {
			if strings.Contains(string(out), g) {
				t.Errorf("%s: %s still holds %q", tc.name, out, g)
			}
		}
		for _, k := range tc.kept {
			if !strings.Contains(string(out), k) {
				t.Errorf("%s: %s lost %q", tc.name, out, k)
			}
		}
	}
}

// FuzzRedact: whatever a string holds, no PEM header or JWT is left, and redacting twice changes
// nothing more.
func FuzzRedact(f *testing.F) {
	f.Add("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")
	f.Add(`{"token":"x","a":"eyJhbGciOi.eyJzdWIi.sig"}`)
	f.Add("users:\n- user:\n    token: abc\n")
	f.Fuzz(func(t *testing.T, s string) {
		once := String(s)
		if pemBlock.MatchString(once) && strings.Contains(once, "-----BEGIN") || jwt.MatchString(once) {
			t.Errorf("%q: left %q", s, once)
		}
		if twice := String(once); twice != once {
			t.Errorf("%q: redacting again changed %q to %q", s, once, twice)
		}
	})
}
