package ipam

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipamconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// Config is the "ipam" section, in whereabouts' keys, plus multinet's own.
type Config = ipamconf.Section

// flatConfigPaths are read, in order, for keys the NAD leaves out (kubeconfig, namespace ...).
var flatConfigPaths = []string{"/etc/cni/net.d/multinet.d/multinet-ipam.conf", "/etc/cni/net.d/whereabouts.d/whereabouts.conf"}

// pool is a parsed range with its exclusions.
type pool = iprange.Pool

// parsed is a validated Config.
type parsed struct {
	*ipamconf.Config
}

// loadConfig reads the "ipam" section of a network config and the flat config file.
func loadConfig(stdin []byte) (*parsed, error) {
	var nc struct {
		Name string  `json:"name"`
		IPAM *Config `json:"ipam"`
	}
	if err := json.Unmarshal(stdin, &nc); err != nil {
		return nil, fmt.Errorf("parse network config: %w", err)
	}
	if nc.IPAM == nil {
		return nil, errors.New("network config has no \"ipam\" section")
	}
	if err := mergeFlat(nc.IPAM); err != nil {
		return nil, err
	}
	return parseConfig(nc.IPAM)
}

// parseConfig validates an ipam section whose flat-file keys are already merged.
func parseConfig(c *Config) (*parsed, error) {
	rc := c.Read()
	if fatal := rc.Fatal(); len(fatal) > 0 {
		return nil, fmt.Errorf("ipam: %s", fatal[0])
	}
	if len(rc.Pools) == 0 {
		return nil, errors.New("ipam: no range; set \"range\" (CIDR or first-last/bits) or \"ipRanges\"")
	}
	if rc.Namespace == "" {
		rc.Namespace = "kube-system"
	}
	return &parsed{rc}, nil
}

// mergeFlat fills keys the NAD leaves empty from the flat config file (configuration_path, else
// the first default path that exists).
func mergeFlat(c *Config) error {
	paths := flatConfigPaths
	if c.ConfigurationPath != "" {
		paths = []string{c.ConfigurationPath}
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) && c.ConfigurationPath == "" {
			continue
		}
		if err != nil {
			return fmt.Errorf("read ipam configuration %s: %w", path, err)
		}
		var flat Config
		if err := json.Unmarshal(data, &flat); err != nil {
			return fmt.Errorf("parse ipam configuration %s: %w", path, err)
		}
		if c.Kubernetes.Kubeconfig == "" {
			c.Kubernetes.Kubeconfig = flat.Kubernetes.Kubeconfig
		}
		if c.Namespace == "" {
			c.Namespace = flat.Namespace
		}
		if c.LogFile == "" {
			c.LogFile = flat.LogFile
		}
		if c.AgentSocket == "" {
			c.AgentSocket = flat.AgentSocket
		}
		if c.NodeName == "" {
			c.NodeName = flat.NodeName
		}
		return nil
	}
	return nil
}

// network is the key an address of pl is unique under (see ipamconf.NetworkKey).
func (p *parsed) network(pl pool) string { return p.NetworkKey(pl) }
