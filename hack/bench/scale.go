package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
)

// The scale data set (make bench-scale): scaleNamespaces namespaces of scaleNADsPer NADs each;
// pod i runs on node i%nodes and asks for 1 + i%4 of its namespace's NADs. By i%100 its shape is
// Multus attached (0–79), Multus with one network missing (80–85), a failed sandbox (86–87, no
// status, an event), GKE multi-networking (88–93), or a DRA network claim (94–99).
const (
	scaleNamespaces = 50
	scaleNADsPer    = 40
	scalePools      = 500
	// scaleIf is the interface of the IPPool and IPAllocation entries: the pods exist (the first
	// 10,000 for the pools) but report nothing on it, so doctor sees no leak and no stale entry.
	scaleIf = "net9"
)

func scaleNS(i int) string { return fmt.Sprintf("scale-%02d", i%scaleNamespaces) }

// scaleNetworks are the NADs pod i asks for.
func scaleNetworks(i int) []string {
	nets := make([]string, 1+i%4)
	for k := range nets {
		nets[k] = fmt.Sprintf("net-%02d", (i/scaleNamespaces+k)%scaleNADsPer)
	}
	return nets
}

func ip4(a, i int) string { return fmt.Sprintf("%d.%d.%d.%d", a, i>>16&255, i>>8&255, i&255) }

// scalePod is pod i of the data set, with the status annotations of its shape.
func scalePod(i, nodes int) *corev1.Pod {
	ns, nets := scaleNS(i), scaleNetworks(i)
	pod := podFor(ns, i)
	pod.Name = fmt.Sprintf("app-%06d", i)
	pod.Spec.NodeName = fmt.Sprintf("kwok-node-%04d", i%nodes)
	pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Key: "kwok.x-k8s.io/node", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	a := map[string]string{}
	type entry struct {
		Name      string   `json:"name"`
		Interface string   `json:"interface"`
		IPs       []string `json:"ips"`
		MAC       string   `json:"mac,omitempty"`
		Default   bool     `json:"default,omitempty"`
	}
	status := []entry{{Name: "cbr0", Interface: "eth0", IPs: []string{ip4(10, i)}, Default: true}}
	switch shape := i % 100; {
	case shape < 88:
		a["k8s.v1.cni.cncf.io/networks"] = strings.Join(nets, ",")
		attached := nets
		if shape >= 80 {
			attached = nets[:len(nets)-1]
		}
		for k, n := range attached {
			status = append(status, entry{Name: ns + "/" + n, Interface: fmt.Sprintf("net%d", k+1), IPs: []string{ip4(172, i*4+k)}, MAC: fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", k, i>>16&255, i>>8&255, i&255)})
		}
		if shape < 86 {
			data, _ := json.Marshal(status)
			a["k8s.v1.cni.cncf.io/network-status"] = string(data)
		}
	case shape < 94:
		a["networking.gke.io/default-interface"] = "eth0"
		a["networking.gke.io/interfaces"] = `[{"interfaceName":"eth0","network":"default"},{"interfaceName":"eth1","network":"blue-network"}]`
		a["networking.gke.io/interface-status"] = fmt.Sprintf(`[{"networkName":"default","ipAddresses":[%q]},{"networkName":"blue-network","ipAddresses":[%q]}]`, ip4(10, i), ip4(172, i*4))
	default:
		pod.Spec.ResourceClaims = []corev1.PodResourceClaim{{Name: "nics", ResourceClaimName: ptr(pod.Name + "-nics")}}
	}
	pod.Annotations = a
	return pod
}

// scaleClaim is the ResourceClaim of DRA pod i, allocated on its node with network data.
func scaleClaim(i, nodes int) (*unstructured.Unstructured, map[string]any) {
	name, node := fmt.Sprintf("app-%06d-nics", i), fmt.Sprintf("kwok-node-%04d", i%nodes)
	claim := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
		"metadata": map[string]any{"name": name, "namespace": scaleNS(i)},
		"spec": map[string]any{"devices": map[string]any{"requests": []any{
			map[string]any{"name": "rdma0", "exactly": map[string]any{"deviceClassName": "dranet"}}}}},
	}}
	status := map[string]any{
		"allocation": map[string]any{"devices": map[string]any{"results": []any{
			map[string]any{"request": "rdma0", "driver": "dra.net", "pool": node, "device": "eth3"}}}},
		"reservedFor": []any{map[string]any{"resource": "pods", "name": fmt.Sprintf("app-%06d", i), "uid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}},
		"devices": []any{map[string]any{"driver": "dra.net", "pool": node, "device": "eth3",
			"conditions":  []any{map[string]any{"type": "Ready", "status": "True", "reason": "NetworkDeviceReady", "message": "", "lastTransitionTime": "2026-12-01T00:00:00Z"}},
			"networkData": map[string]any{"interfaceName": "rdma0", "ips": []any{ip4(192, i) + "/8"}, "hardwareAddress": "0c:42:a1:00:00:10"}}},
	}
	return claim, status
}

// parallel runs f(i) for i in [from, to) on workers goroutines and returns how many succeeded (an
// object that exists counts) and the first error.
func parallel(from, to, workers int, f func(i int) error) (int64, error) {
	var done atomic.Int64
	var first error
	var once sync.Once
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil && !apierrors.IsAlreadyExists(err) {
					once.Do(func() { first = err })
					continue
				}
				done.Add(1)
			}
		})
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return done.Load(), first
}

// scaleSeedCmd creates the scale data set's pods [from, to) with their claims, allocations and
// events; with -from 0 also the nodes (kwok's), namespaces, NADs and IPPools.
func scaleSeedCmd(args []string) error {
	fs := flag.NewFlagSet("scale-seed", flag.ExitOnError)
	kc := kubeconfigFlag(fs)
	from := fs.Int("from", 0, "first pod index")
	to := fs.Int("to", 10000, "pod index to stop before")
	nodes := fs.Int("nodes", 1000, "kwok nodes")
	workers := fs.Int("workers", 48, "concurrent creates")
	_ = fs.Parse(args)
	cs, err := clientset(*kc)
	if err != nil {
		return err
	}
	dyn, err := dynClient(*kc)
	if err != nil {
		return err
	}
	start := time.Now()
	if *from == 0 {
		if err := scaleBase(cs, dyn, *nodes, *workers); err != nil {
			return err
		}
		fmt.Printf("scale-seed: %d nodes, %d namespaces, %d NADs, %d IPPools in %s\n", *nodes, scaleNamespaces, scaleNamespaces*scaleNADsPer, scalePools, time.Since(start).Round(time.Second))
	}
	start = time.Now()
	n, err := parallel(*from, *to, *workers, func(i int) error {
		_, err := cs.CoreV1().Pods(scaleNS(i)).Create(ctx(), scalePod(i, *nodes), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("pods: %w", err)
	}
	fmt.Printf("scale-seed: pods %d–%d (%d) in %s\n", *from, *to, n, time.Since(start).Round(time.Second))
	start = time.Now()
	store := &ipam.Kube{Client: dyn, Namespace: "kube-system"}
	n, err = parallel(*from, *to, *workers, func(i int) error {
		net := i % scalePools
		return store.Create(ctx(), &ipam.Allocation{Network: fmt.Sprintf("pool-%03d", net), Range: fmt.Sprintf("10.%d.0.0/16", 128+net%128),
			IP: fmt.Sprintf("10.%d.%d.%d", 128+net%128, i/scalePools>>8&255, i/scalePools&255), ContainerID: fmt.Sprintf("%064x", i),
			PodRef: scaleNS(i) + "/" + fmt.Sprintf("app-%06d", i), IfName: scaleIf, Node: fmt.Sprintf("kwok-node-%04d", i%*nodes)})
	})
	if err != nil {
		return fmt.Errorf("ipallocations: %w", err)
	}
	fmt.Printf("scale-seed: %d IPAllocations over %d networks in %s\n", n, scalePools, time.Since(start).Round(time.Second))
	start = time.Now()
	claims, events := 0, 0
	_, err = parallel(*from, *to, *workers, func(i int) error {
		switch shape := i % 100; {
		case shape >= 94:
			claim, status := scaleClaim(i, *nodes)
			res := dyn.Resource(gvr.ResourceClaims).Namespace(scaleNS(i))
			created, err := res.Create(ctx(), claim, metav1.CreateOptions{})
			if err != nil {
				return err
			}
			created.Object["status"] = status
			_, err = res.UpdateStatus(ctx(), created, metav1.UpdateOptions{})
			return err
		case shape >= 86 && shape < 88:
			return sandboxEvent(cs, i, *nodes)
		}
		return nil
	})
	for i := *from; i < *to; i++ {
		switch shape := i % 100; {
		case shape >= 94:
			claims++
		case shape >= 86 && shape < 88:
			events++
		}
	}
	if err != nil {
		return fmt.Errorf("claims and events: %w", err)
	}
	fmt.Printf("scale-seed: %d DRA claims, %d sandbox-failure events in %s\n", claims, events, time.Since(start).Round(time.Second))
	return nil
}

// sandboxEvent records the FailedCreatePodSandBox event of failed pod i, as the kubelet words it.
func sandboxEvent(cs kubernetes.Interface, i, nodes int) error {
	ns, name := scaleNS(i), fmt.Sprintf("app-%06d", i)
	now := metav1.NewTime(time.Now())
	_, err := cs.CoreV1().Events(ns).Create(ctx(), &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name + ".sandbox", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: name, APIVersion: "v1"},
		Reason:         "FailedCreatePodSandBox", Type: corev1.EventTypeWarning, Count: 3, FirstTimestamp: now, LastTimestamp: now,
		Source:  corev1.EventSource{Component: "kubelet", Host: fmt.Sprintf("kwok-node-%04d", i%nodes)},
		Message: fmt.Sprintf(`Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "%064x": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request failed with status 400: '[%s/%s:%s]: error adding container to network "%s": error at storage engine: Could not allocate IP in range: ip: 172.16.0.1 / - 172.31.255.254 / range: 172.16.0.0/12 / excludeRanges: []'`, i, ns, name, scaleNetworks(i)[0], scaleNetworks(i)[0]),
	}, metav1.CreateOptions{})
	return err
}

// scaleBase creates the kwok nodes, the namespaces, the NADs and the whereabouts IPPools.
func scaleBase(cs kubernetes.Interface, dyn dynamic.Interface, nodes, workers int) error {
	_, err := parallel(0, nodes, workers, func(i int) error {
		name := fmt.Sprintf("kwok-node-%04d", i)
		_, err := cs.CoreV1().Nodes().Create(ctx(), &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "type": "kwok"}},
			Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "kwok.x-k8s.io/node", Value: "fake", Effect: corev1.TaintEffectNoSchedule}}},
		}, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("nodes: %w", err)
	}
	for n := range scaleNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: scaleNS(n)}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s: %w", ns.Name, err)
		}
	}
	_, err = parallel(0, scaleNamespaces*scaleNADsPer, workers, func(k int) error {
		ns, name := scaleNS(k), fmt.Sprintf("net-%02d", k/scaleNamespaces)
		// One L2 data network under 40 NAD names (one network_name), as clusters that split a
		// segment by team do; the pods' addresses are in its range.
		config := fmt.Sprintf(`{"cniVersion":"1.0.0","name":%q,"type":"macvlan","master":"eth1","mode":"bridge","ipam":{"type":"whereabouts","range":"172.0.0.0/8","network_name":"data"}}`, name)
		_, err := dyn.Resource(gvr.NADs).Namespace(ns).Create(ctx(), &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
			"metadata": map[string]any{"name": name, "namespace": ns}, "spec": map[string]any{"config": config}}}, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("NADs: %w", err)
	}
	_, err = parallel(0, scalePools, workers, func(p int) error {
		allocs := map[string]any{}
		for a := 1; a <= 20; a++ {
			i := p*20 + a
			allocs[fmt.Sprint(a)] = map[string]any{"id": fmt.Sprintf("%064x", i), "podref": fmt.Sprintf("%s/app-%06d", scaleNS(i), i), "ifname": scaleIf}
		}
		_, err := dyn.Resource(gvr.IPPools).Namespace("kube-system").Create(ctx(), &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "whereabouts.cni.cncf.io/v1alpha1", "kind": "IPPool",
			"metadata": map[string]any{"name": fmt.Sprintf("net-%03d-10.%d.%d.0-24", p, p/256, p%256), "namespace": "kube-system"},
			"spec":     map[string]any{"range": fmt.Sprintf("10.%d.%d.0/24", p/256, p%256), "allocations": allocs}}}, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("IPPools: %w", err)
	}
	return nil
}

// scaleFillCmd allocates a fraction of a range's addresses to pods that exist (so GC keeps them),
// for the nearly-full-range ADD benchmark.
func scaleFillCmd(args []string) error {
	fs := flag.NewFlagSet("scale-fill", flag.ExitOnError)
	kc := kubeconfigFlag(fs)
	cidr := fs.String("range", "10.202.0.0/20", "range to fill")
	network := fs.String("network", "fill", "network_name")
	fraction := fs.Float64("fraction", 0.9, "share of the range's addresses to allocate")
	workers := fs.Int("workers", 48, "concurrent creates")
	_ = fs.Parse(args)
	prefix, err := netip.ParsePrefix(*cidr)
	if err != nil || !prefix.Addr().Is4() {
		return fmt.Errorf("-range %q: want an IPv4 CIDR", *cidr)
	}
	dyn, err := dynClient(*kc)
	if err != nil {
		return err
	}
	size := 1<<(32-prefix.Bits()) - 2
	n := int(float64(size) * *fraction)
	base := prefix.Masked().Addr().As4()
	first := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	store := &ipam.Kube{Client: dyn, Namespace: "kube-system"}
	start := time.Now()
	done, err := parallel(0, n, *workers, func(i int) error {
		a := first + 1 + uint32(i)
		ip := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		return store.Create(ctx(), &ipam.Allocation{Network: *network, Range: prefix.String(), IP: ip.String(), ContainerID: fmt.Sprintf("fill%060x", i),
			PodRef: scaleNS(i) + "/" + fmt.Sprintf("app-%06d", i), IfName: scaleIf})
	})
	if err != nil {
		return err
	}
	fmt.Printf("scale-fill: %d of %d addresses of %s allocated in %s\n", done, size, prefix, time.Since(start).Round(time.Second))
	return nil
}
