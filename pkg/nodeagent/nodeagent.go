// Package nodeagent is the node side of `kubectl multinet install`: it puts the CNI plugins into the
// node's CNI bin dir, writes the IPAM's credentials into its own subdirectory of the CNI config dir,
// keeps them fresh, releases allocations of deleted pods, and removes all of it on uninstall.
package nodeagent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Plugins are the names the one binary is installed under in the CNI bin dir.
var Plugins = []string{"multinet-macvlan", "multinet-ipvlan", "multinet-ipam"}

// Files written into the config subdirectory (multinet.d).
const (
	FlatConfig = "multinet-ipam.conf"
	Kubeconfig = "multinet.kubeconfig"
	tokenFile  = "token"
	caFile     = "ca.crt"
	// AgentSocket is where the agent serves multinet-ipam (see ipam.Server).
	AgentSocket = "agent.sock"
	// FallbackSpool, next to AgentSocket, is where plugins record what they did while the agent was
	// down (see ipam.FallbackSpool).
	FallbackSpool = "fallbacks.jsonl"
)

// ServiceAccountDir is where the pod's projected ServiceAccount token and CA are mounted.
const ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// Dirs says where things go, as seen from the agent's container and from the host.
type Dirs struct {
	// Bin is the CNI bin dir (container path).
	Bin string
	// Conf is our subdirectory of the CNI config dir (container path).
	Conf string
	// HostConf is Conf as the host (and so the IPAM) sees it.
	HostConf string
	// ServiceAccount holds token and ca.crt (default ServiceAccountDir).
	ServiceAccount string
}

func (d Dirs) sa() string {
	if d.ServiceAccount != "" {
		return d.ServiceAccount
	}
	return ServiceAccountDir
}

// Server returns the API server URL the IPAM uses: the given one, else the in-cluster service.
func Server(apiserver string) (string, error) {
	if apiserver != "" {
		return apiserver, nil
	}
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return "", fmt.Errorf("no API server address: pass --apiserver or run in a pod (KUBERNETES_SERVICE_HOST)")
	}
	return "https://" + net.JoinHostPort(host, port), nil
}

// InstallPlugins copies the binary self into the bin dir under every plugin name. Each copy is
// written beside its target and renamed over it, so a plugin the runtime is executing is never torn.
func InstallPlugins(self, binDir string) error {
	data, err := os.ReadFile(self)
	if err != nil {
		return fmt.Errorf("read own binary %s: %w", self, err)
	}
	for _, name := range Plugins {
		if err := writeAtomic(filepath.Join(binDir, name), data, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// WriteCredentials writes the token, CA, kubeconfig and flat IPAM config into d.Conf; the kubeconfig
// names host paths (d.HostConf) and the token file, which the IPAM re-reads as it is refreshed.
func WriteCredentials(d Dirs, server, namespace, node string) error {
	for _, f := range []string{tokenFile, caFile} {
		data, err := os.ReadFile(filepath.Join(d.sa(), f))
		if err != nil {
			return fmt.Errorf("read ServiceAccount %s: %w", f, err)
		}
		if err := writeAtomic(filepath.Join(d.Conf, f), data, 0o600); err != nil {
			return err
		}
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["local"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: filepath.Join(d.HostConf, caFile)}
	kc.AuthInfos["multinet"] = &clientcmdapi.AuthInfo{TokenFile: filepath.Join(d.HostConf, tokenFile)}
	kc.Contexts["multinet"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "multinet"}
	kc.CurrentContext = "multinet"
	data, err := clientcmd.Write(*kc)
	if err != nil {
		return fmt.Errorf("encode IPAM kubeconfig: %w", err)
	}
	if err := writeAtomic(filepath.Join(d.Conf, Kubeconfig), data, 0o600); err != nil {
		return err
	}
	flat, err := json.MarshalIndent(map[string]any{
		"kubernetes":   map[string]string{"kubeconfig": filepath.Join(d.HostConf, Kubeconfig)},
		"namespace":    namespace,
		"agent_socket": filepath.Join(d.HostConf, AgentSocket),
		"node_name":    node,
	}, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(d.Conf, FlatConfig), flat, 0o644)
}

// Remove deletes the plugins from the bin dir and our files from the config subdirectory.
func Remove(d Dirs) error {
	var paths []string
	for _, name := range Plugins {
		paths = append(paths, filepath.Join(d.Bin, name))
	}
	for _, f := range []string{tokenFile, caFile, Kubeconfig, FlatConfig, AgentSocket, FallbackSpool} {
		paths = append(paths, filepath.Join(d.Conf, f))
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove %s: %w", p, err)
		}
	}
	return nil
}

// writeAtomic writes data to path through a temporary file in the same directory, leaving path
// unchanged when the content is the same.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// GCFunc releases the allocations of deleted pods and reports how many it released.
type GCFunc func(ctx context.Context) (int, error)

// Agent keeps the credentials fresh and runs gc on its own period until ctx ends.
type Agent struct {
	Dirs      Dirs
	Server    string
	Namespace string
	// Node is the node's name, written to the flat config for the plugins to record.
	Node    string
	Refresh time.Duration
	GCEvery time.Duration
	GC      GCFunc
	Log     io.Writer
}

// Run loops until ctx is done; a failed refresh or GC is logged and retried on the next tick.
func (a Agent) Run(ctx context.Context) error {
	refresh := time.NewTicker(a.Refresh)
	defer refresh.Stop()
	gc := time.NewTicker(a.GCEvery)
	defer gc.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-refresh.C:
			if err := WriteCredentials(a.Dirs, a.Server, a.Namespace, a.Node); err != nil {
				fmt.Fprintf(a.Log, "refresh credentials: %v\n", err)
			}
		case <-gc.C:
			n, err := a.GC(ctx)
			if err != nil {
				fmt.Fprintf(a.Log, "gc: %v\n", err)
			} else if n > 0 {
				fmt.Fprintf(a.Log, "gc: released %d allocations of deleted pods\n", n)
			}
		}
	}
}

// LivePods returns namespace/name of every pod, read as metadata only.
func LivePods(ctx context.Context, client metadata.Interface) (map[string]bool, error) {
	live := map[string]bool{}
	opts := metav1.ListOptions{Limit: 2000}
	for {
		list, err := client.Resource(schema.GroupVersionResource{Version: "v1", Resource: "pods"}).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list pods: %w", err)
		}
		for _, p := range list.Items {
			live[p.Namespace+"/"+p.Name] = true
		}
		if list.Continue == "" {
			return live, nil
		}
		opts.Continue = list.Continue
	}
}

// RESTConfig is the agent's own client config: in-cluster credentials, at server when given.
func RESTConfig(server string) (*rest.Config, error) {
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("in-cluster config: %w", err)
	}
	if server != "" {
		cfg.Host = server
	}
	return cfg, nil
}
