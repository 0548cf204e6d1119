package inspect

import (
	"strings"
	"testing"
)

// TestJSONErrorsInUserTerms: a wrongly typed field is named with the JSON kinds involved, never
// with Go type names.
func TestJSONErrorsInUserTerms(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"ipam not an object", ParseConfig(`{"type":"macvlan","ipam":"x"}`).Err.Error(), `"ipam" is a JSON string, want an object`},
		{"plugins not a list", ParseConfig(`{"plugins":{"type":"macvlan"}}`).Err.Error(), `"plugins" is a JSON object, want a list`},
		{"syntax", ParseConfig(`{"type": "ipvlan", # comment}`).Err.Error(), "not JSON: invalid character '#'"},
	}
	_, err := ParseNetworkStatus(NetworkStatusAnnotation, `[{"name":"a","ips":"10.0.0.1"}]`)
	tests = append(tests, struct{ name, got, want string }{"status ips not a list", err.Error(), `"ips" is a JSON string, want a list`})
	_, err = ParseGKEInterfaces(`{"interfaceName":"eth1"}`)
	tests = append(tests, struct{ name, got, want string }{"GKE interfaces not a list", err.Error(), "is a JSON object, want a list"})
	for _, tt := range tests {
		if !strings.Contains(tt.got, tt.want) {
			t.Errorf("%s: %q lacks %q", tt.name, tt.got, tt.want)
		}
		for _, goTerm := range []string{"Go value", "Go struct", "rawPlugin", "ipamconf", "struct {", "map[string]"} {
			if strings.Contains(tt.got, goTerm) {
				t.Errorf("%s: %q speaks Go (%s)", tt.name, tt.got, goTerm)
			}
		}
	}
}
