package doctor

import "encoding/json"

// multusConfig is the part of a Multus (thick daemon or thin) configuration the checks read.
type multusConfig struct {
	NamespaceIsolation bool   `json:"namespaceIsolation"`
	GlobalNamespaces   string `json:"globalNamespaces"`
	Type               string `json:"type"`
	Name               string `json:"name"`
}

// parseMultusConfig reads v as a Multus configuration; ok is false for anything else.
func parseMultusConfig(v string) (multusConfig, bool) {
	var c multusConfig
	if json.Unmarshal([]byte(v), &c) != nil {
		return c, false
	}
	return c, c.Type == "multus" || c.Type == "multus-shim" || c.NamespaceIsolation || c.GlobalNamespaces != ""
}
