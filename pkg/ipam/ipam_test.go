package ipam

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
	"github.com/kubectl-multinet/kubectl-multinet/internal/netnstest"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// env is one control plane for the package's tests, the plugin binary, a kubeconfig and a network
// namespace to name in CNI_NETNS.
var env struct {
	bin, kubeconfig, netns string
	// faultBin is the plugin built with faultpoints (internal/faultpoint).
	faultBin string
	// lacking is why the tests needing root and a control plane cannot run here ("" when they can).
	lacking string
	dyn     dynamic.Interface
}

func TestMain(m *testing.M) {
	if os.Getenv("MULTINET_IPAM_HELPER") != "" {
		os.Exit(helperMain())
	}
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run()) // fuzzing pure functions (make fuzz, -run '^$'): no control plane needed
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if env.lacking = testneeds.Lacks(true, true); env.lacking != "" {
		return m.Run() // pure tests run; the others skip (or fail under MULTINET_REQUIRE_ENV=1)
	}
	e, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer e.Stop()
	dir, err := os.MkdirTemp("", "multinet-ipam-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	env.bin = filepath.Join(dir, "multinet-ipam")
	env.faultBin = filepath.Join(dir, "faults", "multinet-ipam")
	for _, b := range []struct{ out, tags string }{{env.bin, ""}, {env.faultBin, faultpoint.Tag}} {
		build := exec.Command("go", "build", "-tags", b.tags, "-o", b.out, "./cmd/multinet-cni")
		build.Dir = testenv.RepoRoot()
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build multinet-ipam:", err)
			return 1
		}
	}
	if env.kubeconfig, err = e.KubeconfigFor(dir, "cni", "system:masters"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	netns, err := netnstest.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer netnstest.Drop(netns)
	env.netns = netns.Path()
	env.dyn = dynamic.NewForConfigOrDie(e.Config)
	return m.Run()
}

// netconf is a NAD config using multinet-ipam with ipam keys.
func netconf(version, ipam string) string {
	return fmt.Sprintf(`{"cniVersion":%q,"name":"data","type":"multinet-macvlan","ipam":{"type":"multinet-ipam","kubernetes":{"kubeconfig":%q}%s}}`,
		version, env.kubeconfig, ipam)
}

type cniRun struct {
	out, errOut string
	err         error
}

// cni runs the plugin binary like a runtime does.
func cni(command, conf, container, pod string) cniRun {
	cmd := exec.Command(env.bin)
	cmd.Env = []string{"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + container, "CNI_NETNS=" + env.netns, "CNI_IFNAME=net1",
		"CNI_PATH=/nonexistent", "CNI_ARGS=K8S_POD_NAMESPACE=app;K8S_POD_NAME=" + pod}
	cmd.Stdin = strings.NewReader(conf)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return cniRun{out.String(), errOut.String(), err}
}

func mustIP(t *testing.T, r cniRun) string {
	t.Helper()
	if r.err != nil {
		t.Fatalf("ADD: %v\n%s%s", r.err, r.out, r.errOut)
	}
	var res struct {
		IPs []struct{ Address, Gateway string } `json:"ips"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil || len(res.IPs) != 1 {
		t.Fatalf("ADD result %q: %v", r.out, err)
	}
	return res.IPs[0].Address
}

func count(t *testing.T, network string) int {
	t.Helper()
	list, err := env.dyn.Resource(gvr.IPAllocations).Namespace("kube-system").List(context.Background(), metav1.ListOptions{LabelSelector: LabelNetwork + "=" + labelValue(network)})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// emptyNetwork deletes network's allocations, so a test run again in one process (go test -count) starts
// from an empty network.
func emptyNetwork(t *testing.T, network string) {
	t.Helper()
	err := env.dyn.Resource(gvr.IPAllocations).Namespace("kube-system").DeleteCollection(context.Background(), metav1.DeleteOptions{},
		metav1.ListOptions{LabelSelector: LabelNetwork + "=" + labelValue(network)})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAddDelIdempotentAcrossVersions(t *testing.T) {
	testneeds.Need(t, env.lacking)
	for _, v := range []string{"0.3.1", "0.4.0", "1.0.0", "1.1.0"} {
		t.Run(v, func(t *testing.T) {
			net := "idem-" + strings.ReplaceAll(v, ".", "")
			conf := netconf(v, `,"range":"10.60.0.0/24","gateway":"10.60.0.1","network_name":"`+net+`","routes":[{"dst":"172.31.0.0/16"}]`)
			a := mustIP(t, cni("ADD", conf, "c1-"+v, "p1"))
			if again := mustIP(t, cni("ADD", conf, "c1-"+v, "p1")); again != a {
				t.Fatalf("retried ADD gave %s, first %s", again, a)
			}
			b := mustIP(t, cni("ADD", conf, "c2-"+v, "p2"))
			if a == b || !strings.HasPrefix(a, "10.60.0.") || !strings.HasSuffix(a, "/24") {
				t.Fatalf("addresses %s %s", a, b)
			}
			if a == "10.60.0.0/24" || a == "10.60.0.255/24" {
				t.Fatalf("network or broadcast address handed out: %s", a)
			}
			if n := count(t, net); n != 2 {
				t.Fatalf("%d allocations, want 2", n)
			}
			for i := 0; i < 2; i++ {
				if r := cni("DEL", conf, "c1-"+v, "p1"); r.err != nil {
					t.Fatalf("DEL #%d: %v %s", i+1, r.err, r.errOut)
				}
			}
			if n := count(t, net); n != 1 {
				t.Fatalf("%d allocations after DEL, want 1", n)
			}
			if r := cni("CHECK", conf, "c2-"+v, "p2"); v != "0.3.1" && r.err != nil {
				t.Errorf("CHECK: %v %s", r.err, r.errOut)
			}
		})
	}
}

func TestExclusionsAndExhaustion(t *testing.T) {
	testneeds.Need(t, env.lacking)
	conf := netconf("1.0.0", `,"range":"10.61.0.0/29","exclude":["10.61.0.2/32"],"reserved":["10.61.0.5"],"network_name":"tiny"`)
	got := map[string]bool{}
	for i := 0; i < 4; i++ {
		ip := mustIP(t, cni("ADD", conf, fmt.Sprintf("c%d", i), "p"))
		if got[ip] || ip == "10.61.0.2/29" || ip == "10.61.0.5/29" {
			t.Fatalf("handed out %s (so far %v)", ip, got)
		}
		got[ip] = true
	}
	r := cni("ADD", conf, "c-extra", "p")
	if r.err == nil || !strings.Contains(r.out+r.errOut, "Could not allocate IP in range: ip: 10.61.0.1 / - 10.61.0.6 / range: 10.61.0.0/29") {
		t.Fatalf("5th ADD: %v\n%s%s", r.err, r.out, r.errOut)
	}
	if n := count(t, "tiny"); n != 4 {
		t.Fatalf("%d allocations after the failed ADD, want 4 (no partial state)", n)
	}
}

func TestStableIdentity(t *testing.T) {
	testneeds.Need(t, env.lacking)
	conf := netconf("1.0.0", `,"range":"10.62.0.0/16","network_name":"sts","stable_identity":true`)
	first := mustIP(t, cni("ADD", conf, "sandbox-1", "db-0"))
	if r := cni("DEL", conf, "sandbox-1", "db-0"); r.err != nil {
		t.Fatal(r.errOut)
	}
	other := mustIP(t, cni("ADD", conf, "sandbox-x", "db-1"))
	if other == first {
		t.Fatalf("the address kept for db-0 went to db-1")
	}
	if again := mustIP(t, cni("ADD", conf, "sandbox-2", "db-0")); again != first {
		t.Fatalf("db-0 came back with %s, had %s", again, first)
	}
}

// TestOverlappingRangesShareAddresses: two NADs without network_name on overlapping ranges never
// hand out the same address (whereabouts' enable_overlapping_ranges, on by default); turned off, each
// range is independent.
func TestOverlappingRangesShareAddresses(t *testing.T) {
	testneeds.Need(t, env.lacking)
	narrow := netconf("1.0.0", `,"range":"10.66.0.0/30"`)
	wide := netconf("1.0.0", `,"range":"10.66.0.0/29"`)
	got := map[string]bool{}
	add := func(conf, container string) {
		ip := strings.Split(mustIP(t, cni("ADD", conf, container, "p")), "/")[0]
		if got[ip] {
			t.Fatalf("%s handed out twice across overlapping ranges", ip)
		}
		got[ip] = true
	}
	add(narrow, "ov-n1")
	add(narrow, "ov-n2") // 10.66.0.1 and .2: the narrow range is full
	for i := 0; i < 4; i++ {
		add(wide, fmt.Sprintf("ov-w%d", i)) // .3 to .6: the wide range skips what the narrow one gave
	}
	if r := cni("ADD", wide, "ov-w-extra", "p"); r.err == nil {
		t.Fatalf("a 7th address from a /29 shared with a /30: %s", r.out)
	}
	off := netconf("1.0.0", `,"range":"10.67.0.0/30","enable_overlapping_ranges":false`)
	off2 := netconf("1.0.0", `,"range":"10.67.0.0/30","network_name":"other","enable_overlapping_ranges":false`)
	for i := 0; i < 2; i++ {
		mustIP(t, cni("ADD", off, fmt.Sprintf("iso-a%d", i), "p"))
		mustIP(t, cni("ADD", off2, fmt.Sprintf("iso-b%d", i), "p")) // separate keys: both ranges fill independently
	}
}

func TestGC(t *testing.T) {
	testneeds.Need(t, env.lacking)
	conf := netconf("1.1.0", `,"range":"10.63.0.0/24","network_name":"gc"`)
	for i := 0; i < 5; i++ {
		mustIP(t, cni("ADD", conf, fmt.Sprintf("g%d", i), fmt.Sprintf("p%d", i)))
	}
	gcConf := strings.Replace(conf, `"name":"data"`, `"name":"data","cni.dev/valid-attachments":[{"containerID":"g0","ifname":"net1"}]`, 1)
	if r := cni("GC", gcConf, "", ""); r.err != nil {
		t.Fatalf("GC: %v %s", r.err, r.errOut)
	}
	if n := count(t, "gc"); n != 1 {
		t.Fatalf("%d allocations after GC, want 1", n)
	}
}

// TestKilledADDsLeaveNothingAfterGC kills plugin processes mid-ADD at known stages (the binary is a
// faultpoint build): half before they write anything, half right after their allocation is
// recorded. Exactly the second half leaves allocations, and a GC without them as valid attachments
// releases every one.
func TestKilledADDsLeaveNothingAfterGC(t *testing.T) {
	testneeds.Need(t, env.lacking)
	conf := netconf("1.1.0", `,"range":"10.64.0.0/16","network_name":"killed"`)
	stages := []string{faultpoint.IPAMBeforeAllocate, faultpoint.IPAMAllocated}
	const n = 40
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := killAt(conf, fmt.Sprintf("k%d", i), stages[i%2]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if got := count(t, "killed"); got != n/2 {
		t.Fatalf("%d allocations after killing %d ADDs before and %d after allocating, want %d", got, n/2, n/2, n/2)
	}
	gcConf := strings.Replace(conf, `"name":"data"`, `"name":"data","cni.dev/valid-attachments":[]`, 1)
	if r := cni("GC", gcConf, "", ""); r.err != nil {
		t.Fatalf("GC: %v %s", r.err, r.errOut)
	}
	if got := count(t, "killed"); got != 0 {
		t.Fatalf("%d allocations leaked", got)
	}
}

// killAt runs an ADD for container, waits until the plugin says it holds at stage, and kills it.
func killAt(conf, container, stage string) error {
	cmd := exec.Command(env.faultBin)
	cmd.Env = []string{"CNI_COMMAND=ADD", "CNI_CONTAINERID=" + container, "CNI_NETNS=" + env.netns, "CNI_IFNAME=net1", "CNI_PATH=/x",
		faultpoint.Env + "=" + stage}
	cmd.Stdin = strings.NewReader(conf)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var said []string
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		said = append(said, lines.Text())
		if lines.Text() == faultpoint.Said(stage) {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		return fmt.Errorf("ADD %s ended (%v) before stage %s: %s", container, err, stage, strings.Join(said, "\n"))
	}
	return nil
}

// TestReleaseBuildHasNoFaultpoints: the plugin built without the faultpoint tag carries no trace of
// the hook.
func TestReleaseBuildHasNoFaultpoints(t *testing.T) {
	testneeds.Need(t, env.lacking)
	data, err := os.ReadFile(env.bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(faultpoint.Env)) {
		t.Fatalf("%s (a release build) contains %s", env.bin, faultpoint.Env)
	}
	faulty, err := os.ReadFile(env.faultBin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(faulty, []byte(faultpoint.Env)) {
		t.Fatalf("%s (a faultpoint build) lacks %s: this check would prove nothing", env.faultBin, faultpoint.Env)
	}
}

// TestConcurrentProcesses runs 8 processes × 125 concurrent allocations on one range while an
// intruder takes addresses at random (injected conflicts): 1000 distinct addresses, each
// recorded once, none shared with the intruder; 10 rounds.
func TestConcurrentProcesses(t *testing.T) {
	testneeds.Need(t, env.lacking)
	for round := 0; round < 10; round++ {
		network := fmt.Sprintf("conc-%d", round)
		emptyNetwork(t, network)
		ctx, stop := context.WithCancel(context.Background())
		intruded := make(chan int, 1)
		go func() { intruded <- intrude(ctx, network) }()
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for p := 0; p < 8; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "MULTINET_IPAM_HELPER=1", "HELPER_NETWORK="+network, fmt.Sprintf("HELPER_PROC=%d", p),
					"HELPER_KUBECONFIG="+env.kubeconfig)
				out, err := cmd.Output()
				if err != nil {
					t.Errorf("helper %d: %v", p, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, line := range strings.Fields(string(out)) {
					owner, ip, _ := strings.Cut(line, "=")
					if prev, dup := seen[ip]; dup {
						t.Errorf("%s handed to %s and %s", ip, prev, owner)
					}
					seen[ip] = owner
				}
			}()
		}
		wg.Wait()
		stop()
		intruders := <-intruded
		if len(seen) != 1000 {
			t.Fatalf("round %d: %d distinct addresses, want 1000", round, len(seen))
		}
		if n := count(t, network); n != 1000+intruders {
			t.Fatalf("round %d: %d objects, want %d (1000 + %d intruders)", round, n, 1000+intruders, intruders)
		}
	}
}

// intrude creates allocations at random addresses of network until ctx ends; it returns how many.
func intrude(ctx context.Context, network string) int {
	store := &Kube{Client: env.dyn, Namespace: "kube-system"}
	n := 0
	for i := 0; ctx.Err() == nil; i++ {
		ip := iprange.Nth(netip.MustParseAddr("10.70.0.1"), uint64((i*7919)%4000))
		err := store.Create(context.Background(), &Allocation{Name: objectName(network, ip.String()), Network: network, Range: "10.70.0.0/20",
			IP: ip.String(), ContainerID: fmt.Sprintf("intruder-%d", i), IfName: "net1"})
		if err == nil {
			n++
		}
		time.Sleep(2 * time.Millisecond)
	}
	return n
}

// helperMain is one allocating process of TestConcurrentProcesses: 125 concurrent allocations,
// printed as owner=ip.
func helperMain() int {
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("HELPER_KUBECONFIG"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg.QPS, cfg.Burst = 500, 1000
	network := os.Getenv("HELPER_NETWORK")
	conf, err := loadConfig([]byte(fmt.Sprintf(`{"name":"x","ipam":{"type":"multinet-ipam","range":"10.70.0.0/20","network_name":%q,"kubernetes":{"kubeconfig":"k"}}}`, network)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	alloc := newAllocator(&Kube{Client: dynamic.NewForConfigOrDie(cfg), Namespace: "kube-system"}, conf)
	var mu sync.Mutex
	var wg sync.WaitGroup
	failed := false
	for i := 0; i < 125; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := Owner{ContainerID: fmt.Sprintf("p%s-%d", os.Getenv("HELPER_PROC"), i), IfName: "net1"}
			al, _, err := alloc.Allocate(context.Background(), o)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				failed = true
				return
			}
			fmt.Printf("%s=%s\n", o.ContainerID, al.IP)
		}()
	}
	wg.Wait()
	if failed {
		return 1
	}
	return 0
}
