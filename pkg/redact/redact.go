// Package redact removes secrets from what a support bundle carries: PEM blocks, JWTs and values
// under keys that name secrets, in decoded JSON and inside strings (CNI configs, kubeconfigs, log
// lines). It links no Kubernetes client, so the node side of a bundle redacts before anything leaves
// the node.
package redact

import (
	"regexp"
	"strings"
)

// Redacted replaces what a bundle must not carry.
const Redacted = "REDACTED"

// Patterns of secrets inside strings: PEM blocks (certificates and keys), JWTs (service account
// tokens), and "key": "value" or key: value pairs whose key names a secret (CNI configs and
// kubeconfigs kept in ConfigMaps or annotations).
var (
	pemBlock  = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)`)
	jwt       = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	jsonPair  = regexp.MustCompile(`(?i)("[a-z0-9_-]*(?:token|password|passwd|secret|-key-data|certificate-data|-key|apikey)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	yamlPair  = regexp.MustCompile(`(?im)^(\s*[a-z0-9_-]*(?:token|password|passwd|secret|-key-data|certificate-data|-key|apikey)\s*:[ \t]*)[^\s{\[].*$`)
	sensitive = []string{"token", "password", "passwd", "secret", "key-data", "certificate-data", "private-key", "apikey"}
)

// String removes secrets from s.
func String(s string) string {
	if !strings.Contains(s, "-----BEGIN") && !strings.Contains(s, "eyJ") && !strings.ContainsRune(s, ':') {
		return s
	}
	s = pemBlock.ReplaceAllString(s, Redacted)
	s = jwt.ReplaceAllString(s, Redacted)
	s = jsonPair.ReplaceAllString(s, `${1}"`+Redacted+`"`)
	return yamlPair.ReplaceAllString(s, "${1}"+Redacted)
}

// sensitiveKey says whether a map key names a secret.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range sensitive {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Value removes secrets from a decoded JSON value in place and returns it: values under keys that
// name secrets, and PEM blocks, JWTs and secret pairs inside any string.
func Value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if _, isString := val.(string); isString && sensitiveKey(k) {
				t[k] = Redacted
				continue
			}
			t[k] = Value(val)
		}
		return t
	case []any:
		for i := range t {
			t[i] = Value(t[i])
		}
		return t
	case string:
		return String(t)
	}
	return v
}
