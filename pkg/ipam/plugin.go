package ipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
)

// Client-side rate limits of the node side: a plugin process makes a handful of requests; the node
// agent serves every ADD and DEL of its node with one client.
const (
	PluginQPS   = 50
	PluginBurst = 100
	AgentQPS    = 200
	AgentBurst  = 400
)

// Plugin is the multinet-ipam CNI plugin.
type Plugin struct {
	// Timeout bounds one command (default 30 s, below the kubelet's sandbox timeouts).
	Timeout time.Duration
}

// Funcs are the plugin's commands for skel.PluginMainFuncs.
func (p Plugin) Funcs() skel.CNIFuncs {
	return skel.CNIFuncs{Add: p.Add, Del: p.Del, Check: p.Check, Status: p.Status, GC: p.GC}
}

func (p Plugin) setup(args *skel.CmdArgs) (*parsed, *Allocator, context.Context, context.CancelFunc, error) {
	conf, err := loadConfig(args.StdinData)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	alloc, ctx, cancel, err := p.direct(conf)
	return conf, alloc, ctx, cancel, err
}

func (p Plugin) timeout() time.Duration {
	if p.Timeout == 0 {
		return 30 * time.Second
	}
	return p.Timeout
}

// direct is an allocator with the plugin's own API client.
func (p Plugin) direct(conf *parsed) (*Allocator, context.Context, context.CancelFunc, error) {
	if conf.Kubernetes.Kubeconfig == "" {
		return nil, nil, nil, errors.New(`ipam: no kubeconfig; set "kubernetes": {"kubeconfig": PATH} in the ipam section or in /etc/cni/net.d/multinet.d/multinet-ipam.conf`)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", conf.Kubernetes.Kubeconfig)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("ipam: kubeconfig %s: %w", conf.Kubernetes.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = PluginQPS, PluginBurst
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("ipam: API client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout())
	return newAllocator(&Kube{Client: client, Namespace: conf.Namespace}, conf), ctx, cancel, nil
}

// allocate runs op ("allocate" or "release") through the node agent when it answers, else itself;
// it says which ("agent" or "direct").
func (p Plugin) allocate(conf *parsed, op string, o Owner) (netip.Prefix, string, error) {
	if conf.AgentSocket != "" {
		prefix, err := askAgent(conf.AgentSocket, AgentRequest{Op: op, Config: conf.Section, Owner: o}, p.timeout())
		if !errors.Is(err, errAgentDown) {
			return prefix, "agent", err
		}
		start := time.Now()
		prefix, err = p.allocateDirect(conf, op, o)
		recordFallback(FallbackSpool(conf.AgentSocket), fallback{Op: op, Network: networkLabel(&conf.Section), Seconds: time.Since(start).Seconds(), Error: err != nil})
		return prefix, "direct", err
	}
	prefix, err := p.allocateDirect(conf, op, o)
	return prefix, "direct", err
}

// allocateDirect runs op with the plugin's own API client.
func (p Plugin) allocateDirect(conf *parsed, op string, o Owner) (netip.Prefix, error) {
	alloc, ctx, cancel, err := p.direct(conf)
	if err != nil {
		return netip.Prefix{}, err
	}
	defer cancel()
	if op == "release" {
		return netip.Prefix{}, alloc.Release(ctx, o)
	}
	_, prefix, err := alloc.Allocate(ctx, o)
	return prefix, err
}

// owner reads the container, interface and pod of a command.
func owner(args *skel.CmdArgs) Owner {
	o := Owner{ContainerID: args.ContainerID, IfName: args.IfName}
	var ns, name string
	for _, kv := range strings.Split(args.Args, ";") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "K8S_POD_NAMESPACE":
			ns = v
		case "K8S_POD_NAME":
			name = v
		}
	}
	if ns != "" && name != "" {
		o.PodRef = ns + "/" + name
	}
	return o
}

// Type is the plugin's CNI type.
func (Plugin) Type() string { return "multinet-ipam" }

// Add allocates (or returns the owner's existing) address and prints the result.
func (p Plugin) Add(args *skel.CmdArgs) error {
	res, err := p.AddResult(args)
	if err != nil {
		return err
	}
	return types.PrintResult(res, cniVersion(args.StdinData))
}

// AddResult allocates (or returns the owner's existing) address; interface plugins linked with
// this package call it in-process.
func (p Plugin) AddResult(args *skel.CmdArgs) (types.Result, error) {
	conf, err := loadConfig(args.StdinData)
	if err != nil {
		return nil, err
	}
	o := owner(args)
	faultpoint.Hold(faultpoint.IPAMBeforeAllocate)
	prefix, via, err := p.allocate(conf, "allocate", o)
	logLine(conf.LogFile, "ADD", via, o, prefix.String(), err)
	if err != nil {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	faultpoint.Hold(faultpoint.IPAMAllocated)
	ipc := &current.IPConfig{Address: net.IPNet{IP: prefix.Addr().AsSlice(), Mask: net.CIDRMask(prefix.Bits(), prefix.Addr().BitLen())}}
	if conf.GatewayAddr.IsValid() && conf.GatewayAddr.Is4() == prefix.Addr().Is4() {
		ipc.Gateway = conf.GatewayAddr.AsSlice()
	}
	return &current.Result{CNIVersion: current.ImplementedSpecVersion, IPs: []*current.IPConfig{ipc}, Routes: conf.Routes}, nil
}

// logLine appends one line about a command to path (when set), in the timestamped form Multus and
// whereabouts use, so `kubectl multinet logs --source ipam` can filter it by time and pod. Logging
// never fails the command.
func logLine(path, cmd, via string, o Owner, ip string, err error) {
	if path == "" {
		return
	}
	f, ferr := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if ferr != nil {
		return
	}
	defer f.Close()
	outcome := ip
	if err != nil {
		outcome = "error: " + err.Error()
	}
	fmt.Fprintf(f, "%s [%s] pod=%s container=%s ifname=%s via=%s %s\n", time.Now().UTC().Format(time.RFC3339), cmd, o.PodRef, o.ContainerID, o.IfName, via, outcome)
}

func cniVersion(stdin []byte) string {
	var v struct {
		CNIVersion string `json:"cniVersion"`
	}
	_ = json.Unmarshal(stdin, &v)
	return v.CNIVersion
}

// Del releases the owner's address; releasing what is not allocated is success.
func (p Plugin) Del(args *skel.CmdArgs) error {
	conf, err := loadConfig(args.StdinData)
	if err != nil {
		return err
	}
	o := owner(args)
	_, via, err := p.allocate(conf, "release", o)
	logLine(conf.LogFile, "DEL", via, o, "", err)
	if err != nil {
		return fmt.Errorf("ipam: release %s/%s: %w", args.ContainerID, args.IfName, err)
	}
	return nil
}

// Check verifies the owner still holds an address.
func (p Plugin) Check(args *skel.CmdArgs) error {
	conf, alloc, ctx, cancel, err := p.setup(args)
	if err != nil {
		return err
	}
	defer cancel()
	o := owner(args)
	for _, pl := range conf.Pools {
		list, err := alloc.Store.List(ctx, conf.network(pl), o.ContainerID)
		if err != nil {
			return fmt.Errorf("ipam: %w", err)
		}
		for _, al := range list {
			if al.IfName == o.IfName {
				return nil
			}
		}
	}
	return fmt.Errorf("ipam: no allocation for container %s interface %s", o.ContainerID, o.IfName)
}

// Status reports whether allocations can be made: the API answers and serves IPAllocations.
func (p Plugin) Status(args *skel.CmdArgs) error {
	conf, alloc, ctx, cancel, err := p.setup(args)
	if err != nil {
		return types.NewError(types.ErrPluginNotAvailable, "ipam not ready", err.Error())
	}
	defer cancel()
	if _, err := alloc.Store.List(ctx, conf.network(conf.Pools[0]), "status-probe"); err != nil {
		return types.NewError(types.ErrPluginNotAvailable, "ipam cannot reach its store", err.Error())
	}
	return nil
}

// GC releases allocations of this network whose attachment is not in cni.dev/valid-attachments.
func (p Plugin) GC(args *skel.CmdArgs) error {
	_, alloc, ctx, cancel, err := p.setup(args)
	if err != nil {
		return err
	}
	defer cancel()
	var gc struct {
		Valid []struct {
			ContainerID string `json:"containerID"`
			IfName      string `json:"ifname"`
		} `json:"cni.dev/valid-attachments"`
	}
	if err := json.Unmarshal(args.StdinData, &gc); err != nil {
		return fmt.Errorf("ipam: parse GC config: %w", err)
	}
	valid := map[string]bool{}
	for _, v := range gc.Valid {
		valid[v.ContainerID+"/"+v.IfName] = true
	}
	_, err = alloc.GC(ctx, valid)
	return err
}
