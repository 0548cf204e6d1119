package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ipamCmd runs n ADDs (then n DELs) of an IPAM plugin binary at a given concurrency, each call a new
// process as under the kubelet and Multus, and prints one markdown row per phase.
func ipamCmd(args []string) error {
	fs := flag.NewFlagSet("ipam", flag.ExitOnError)
	kc := kubeconfigFlag(fs)
	plugin := fs.String("plugin", "", "IPAM plugin binary (multinet-ipam or whereabouts)")
	n := fs.Int("n", 1000, "allocations")
	conc := fs.Int("c", 1, "calls at once")
	cidr := fs.String("range", "10.80.0.0/16", "range to allocate from")
	netns := fs.String("netns", "", "network namespace path for CNI_NETNS (not the bench's own)")
	label := fs.String("label", "", "row label")
	agent := fs.String("agent-socket", "", "multinet-ipam: the node agent's socket (multinet-cni node serve)")
	network := fs.String("network", "", "multinet-ipam: network_name (default: a new one each run)")
	_ = fs.Parse(args)
	if *plugin == "" || *netns == "" {
		return fmt.Errorf("-plugin and -netns are required")
	}
	kind := filepath.Base(*plugin)
	dir, err := os.MkdirTemp("", "ipam-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *network == "" {
		*network = fmt.Sprintf("bench-%d", time.Now().UnixNano())
	}
	ipam := fmt.Sprintf(`{"type":%q,"range":%q,"network_name":%q,"kubernetes":{"kubeconfig":%q},"agent_socket":%q}`, kind, *cidr, *network, *kc, *agent)
	if kind == "whereabouts" {
		flat := filepath.Join(dir, "whereabouts.conf")
		if err := os.WriteFile(flat, []byte(fmt.Sprintf(`{"datastore":"kubernetes","kubernetes":{"kubeconfig":%q},"log_level":"error"}`, *kc)), 0o644); err != nil {
			return err
		}
		ipam = fmt.Sprintf(`{"type":"whereabouts","range":%q,"configuration_path":%q}`, *cidr, flat)
	}
	conf := fmt.Sprintf(`{"cniVersion":"0.3.1","name":"bench","type":"macvlan","ipam":%s}`, ipam)
	before, err := allocatedCount(*kc)
	if err != nil {
		return err
	}
	add := runPhase("ADD", *plugin, conf, *netns, *n, *conc)
	dups := 0
	seen := map[string]bool{}
	for _, ip := range add.ips {
		if seen[ip] {
			dups++
		}
		seen[ip] = true
	}
	del := runPhase("DEL", *plugin, conf, *netns, *n, *conc)
	after, err := allocatedCount(*kc)
	if err != nil {
		return err
	}
	name := *label
	if name == "" {
		name = kind
	}
	fmt.Printf("| %s | ADD | %d | %d | %.1f/s | %s | %s | %s | %d failed, %d duplicates |\n", name, *n, *conc, add.rate(), ms(add.pct(50)), ms(add.pct(99)), ms(add.pct(100)), add.failed, dups)
	fmt.Printf("| %s | DEL | %d | %d | %.1f/s | %s | %s | %s | %d failed, %d still allocated after DEL |\n", name, *n, *conc, del.rate(), ms(del.pct(50)), ms(del.pct(99)), ms(del.pct(100)), del.failed, after-before)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

type phase struct {
	lat    []time.Duration
	ips    []string
	failed int
	wall   time.Duration
}

func (p phase) rate() float64 { return float64(len(p.lat)) / p.wall.Seconds() }

func (p phase) pct(q int) time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), p.lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s) - 1) * q / 100
	return s[i]
}

func runPhase(command, plugin, conf, netns string, n, conc int) phase {
	var mu sync.Mutex
	var p phase
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cmd := exec.Command(plugin)
				cmd.Env = []string{"CNI_COMMAND=" + command, fmt.Sprintf("CNI_CONTAINERID=bench%06d", i), "CNI_NETNS=" + netns, "CNI_IFNAME=net1",
					"CNI_PATH=/nonexistent", fmt.Sprintf("CNI_ARGS=K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-%06d", i)}
				cmd.Stdin = strings.NewReader(conf)
				var out bytes.Buffer
				cmd.Stdout = &out
				t0 := time.Now()
				err := cmd.Run()
				d := time.Since(t0)
				var res struct {
					IPs []struct{ Address string } `json:"ips"`
				}
				_ = json.Unmarshal(out.Bytes(), &res)
				mu.Lock()
				p.lat = append(p.lat, d)
				if err != nil {
					p.failed++
				} else if len(res.IPs) == 1 {
					p.ips = append(p.ips, res.IPs[0].Address)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	p.wall = time.Since(start)
	return p
}

// allocatedCount counts addresses held in the API: multinet IPAllocations plus whereabouts IPPool
// allocations.
func allocatedCount(kubeconfig string) (int, error) {
	dyn, err := dynClient(kubeconfig)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	ours, err := dyn.Resource(schema.GroupVersionResource{Group: "ipam.multinet.io", Version: "v1alpha1", Resource: "ipallocations"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list ipallocations: %w", err)
	}
	total := len(ours.Items)
	pools, err := dyn.Resource(schema.GroupVersionResource{Group: "whereabouts.cni.cncf.io", Version: "v1alpha1", Resource: "ippools"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list ippools: %w", err)
	}
	for _, p := range pools.Items {
		allocs, _, _ := unstructuredMap(p.Object, "spec", "allocations")
		total += allocs
	}
	return total, nil
}

func unstructuredMap(obj map[string]any, path ...string) (int, bool, error) {
	cur := any(obj)
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, nil
		}
		cur = m[k]
	}
	m, ok := cur.(map[string]any)
	return len(m), ok, nil
}
