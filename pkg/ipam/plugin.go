package ipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
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
	if conf.Kubernetes.Kubeconfig == "" {
		return nil, nil, nil, nil, errors.New(`ipam: no kubeconfig; set "kubernetes": {"kubeconfig": PATH} in the ipam section or in /etc/cni/net.d/multinet.d/multinet-ipam.conf`)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", conf.Kubernetes.Kubeconfig)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("ipam: kubeconfig %s: %w", conf.Kubernetes.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("ipam: API client: %w", err)
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	return conf, newAllocator(&Kube{Client: client, Namespace: conf.Namespace}, conf), ctx, cancel, nil
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

// Add allocates (or returns the owner's existing) address and prints the result.
func (p Plugin) Add(args *skel.CmdArgs) error {
	conf, alloc, ctx, cancel, err := p.setup(args)
	if err != nil {
		return err
	}
	defer cancel()
	o := owner(args)
	_, prefix, err := alloc.Allocate(ctx, o)
	logLine(conf.LogFile, "ADD", o, prefix.String(), err)
	if err != nil {
		return fmt.Errorf("ipam: %w", err)
	}
	ipc := &current.IPConfig{Address: net.IPNet{IP: prefix.Addr().AsSlice(), Mask: net.CIDRMask(prefix.Bits(), prefix.Addr().BitLen())}}
	if conf.gateway.IsValid() && conf.gateway.Is4() == prefix.Addr().Is4() {
		ipc.Gateway = conf.gateway.AsSlice()
	}
	res := &current.Result{CNIVersion: current.ImplementedSpecVersion, IPs: []*current.IPConfig{ipc}, Routes: conf.Routes}
	return types.PrintResult(res, cniVersion(args.StdinData))
}

// logLine appends one line about a command to path (when set), in the timestamped form Multus and
// whereabouts use, so `kubectl multinet logs --source ipam` can filter it by time and pod. Logging
// never fails the command.
func logLine(path, cmd string, o Owner, ip string, err error) {
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
	fmt.Fprintf(f, "%s [%s] pod=%s container=%s ifname=%s %s\n", time.Now().UTC().Format(time.RFC3339), cmd, o.PodRef, o.ContainerID, o.IfName, outcome)
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
	conf, alloc, ctx, cancel, err := p.setup(args)
	if err != nil {
		return err
	}
	defer cancel()
	err = alloc.Release(ctx, owner(args))
	logLine(conf.LogFile, "DEL", owner(args), "", err)
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
	for _, pl := range conf.pools {
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
	if _, err := alloc.Store.List(ctx, conf.network(conf.pools[0]), "status-probe"); err != nil {
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
