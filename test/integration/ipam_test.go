package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-multinet/kubectl-multinet/internal/netnstest"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// ipamRun runs one command of an IPAM plugin binary like a runtime and returns its stdout.
func ipamRun(command, bin, conf, netns, container string) ([]byte, error) {
	cmd := exec.Command(bin)
	cmd.Env = []string{"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + container, "CNI_NETNS=" + netns, "CNI_IFNAME=net1", "CNI_PATH=/x",
		"CNI_ARGS=K8S_POD_NAMESPACE=legacy;K8S_POD_NAME=" + container}
	cmd.Stdin = strings.NewReader(conf)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s%s", err, out.String(), errOut.String())
	}
	return out.Bytes(), nil
}

// ipamADD runs ADD and returns the address.
func ipamADD(t *testing.T, bin, conf, netns, container string) (string, error) {
	t.Helper()
	out, err := ipamRun("ADD", bin, conf, netns, container)
	if err != nil {
		return "", err
	}
	var res struct {
		IPs []struct{ Address string } `json:"ips"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.IPs) != 1 {
		t.Fatalf("ADD result %q: %v", out, err)
	}
	return strings.Split(res.IPs[0].Address, "/")[0], nil
}

// ipamDEL runs DEL.
func ipamDEL(bin, conf, netns, container string) error {
	_, err := ipamRun("DEL", bin, conf, netns, container)
	return err
}

// TestSwitchFromWhereabouts: real whereabouts v0.9.3 allocates, `ipam import` copies its pool,
// then multinet-ipam on the same range never hands out those addresses; usage and gc see it all.
func TestSwitchFromWhereabouts(t *testing.T) {
	testneeds.Need(t, s.lacking)
	netns := netnstest.ForTest(t)
	flat := filepath.Join(s.dir, "whereabouts.conf")
	if err := os.WriteFile(flat, []byte(fmt.Sprintf(`{"datastore":"kubernetes","kubernetes":{"kubeconfig":%q}}`, s.kubeconfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	const cidr = "10.95.0.0/24"
	whConf := fmt.Sprintf(`{"cniVersion":"0.3.1","name":"data","type":"macvlan","ipam":{"type":"whereabouts","range":%q,"configuration_path":%q}}`, cidr, flat)
	given := map[string]bool{}
	for i := 0; i < 3; i++ {
		ip, err := ipamADD(t, s.whereabouts, whConf, netns.Path(), fmt.Sprintf("wh%d", i))
		if err != nil {
			t.Fatalf("whereabouts ADD: %v", err)
		}
		given[ip] = true
	}
	dyn := dynamic.NewForConfigOrDie(s.env.Config)
	pools, err := dyn.Resource(schema.GroupVersionResource{Group: "whereabouts.cni.cncf.io", Version: "v1alpha1", Resource: "ippools"}).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(pools.Items) == 0 {
		t.Fatalf("whereabouts pools: %v, %d", err, len(pools.Items))
	}
	pool := pools.Items[0]
	for i := 0; i < 2; i++ {
		r := runBin(t, s.kubeconfig, "ipam", "import", "-n", pool.GetNamespace(), "ippool/"+pool.GetName())
		want := "3 of 3 allocations imported"
		if i == 1 {
			want = "0 of 3 allocations imported"
		}
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("import #%d: exit %d\n%s%s", i+1, r.code, r.stdout, r.stderr)
		}
	}

	nad := fmt.Sprintf(`{"cniVersion":"1.0.0","type":"multinet-macvlan","master":"eth1","ipam":{"type":"multinet-ipam","range":%q}}`, cidr)
	seed(t, "legacy", nil, map[string]string{"data": nad})
	ours := fmt.Sprintf(`{"cniVersion":"1.0.0","name":"data","type":"multinet-macvlan","ipam":{"type":"multinet-ipam","range":%q,"kubernetes":{"kubeconfig":%q}}}`, cidr, s.kubeconfig)
	for i := 0; i < 251; i++ {
		ip, err := ipamADD(t, s.ipamBin, ours, netns.Path(), fmt.Sprintf("mn%03d", i))
		if err != nil {
			t.Fatalf("multinet-ipam ADD %d: %v", i, err)
		}
		if given[ip] {
			t.Fatalf("multinet-ipam handed out %s, which whereabouts gave", ip)
		}
		given[ip] = true
	}
	if _, err := ipamADD(t, s.ipamBin, ours, netns.Path(), "mn-extra"); err == nil || !strings.Contains(err.Error(), "Could not allocate IP in range") {
		t.Fatalf("ADD on the full range: %v", err)
	}

	r := runBin(t, s.kubeconfig, "ipam", "usage", "-o", "json")
	var usage struct {
		Ranges []struct {
			Range     string
			Allocated int
			Capacity  int
			NADs      []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &usage); err != nil {
		t.Fatalf("usage: %v\n%s%s", err, r.stdout, r.stderr)
	}
	found := false
	for _, u := range usage.Ranges {
		if u.Range == cidr {
			found = u.Allocated == 254 && u.Capacity == 254 && len(u.NADs) == 1 && u.NADs[0] == "legacy/data"
			if !found {
				t.Errorf("usage of %s: %+v", cidr, u)
			}
		}
	}
	if !found {
		t.Fatalf("usage has no %s: %s", cidr, r.stdout)
	}

	// No pod of these allocations exists: gc releases them all (after a dry run that releases none).
	if r := runBin(t, s.kubeconfig, "ipam", "gc", "--dry-run"); !strings.Contains(r.stdout, "254 of 254 allocations would release") {
		t.Fatalf("gc --dry-run: %s%s", r.stdout, r.stderr)
	}
	if r := runBin(t, s.kubeconfig, "ipam", "gc"); r.code != 0 || !strings.Contains(r.stdout, "254 of 254 allocations released") {
		t.Fatalf("gc: %s%s", r.stdout, r.stderr)
	}
	if r := runBin(t, s.kubeconfig, "ipam", "usage"); !strings.Contains(r.stdout, "10.95.0.0/24") || !strings.Contains(r.stdout, "    0       254") {
		t.Errorf("usage after gc:\n%s", r.stdout)
	}
}
