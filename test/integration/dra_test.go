package integration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	resourcev1 "k8s.io/api/resource/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// TestDRANetworkClaims: a claim whose device status a network driver writes through the status
// subresource (resource.k8s.io/v1, Kubernetes 1.37) shows up in status as an interface of the pod
// it is reserved for, and a device whose Ready condition is False is missing, with MN3011.
func TestDRANetworkClaims(t *testing.T) {
	testneeds.Need(t, s.lacking)
	ctx := context.Background()
	ns := "it-dra"
	seed(t, ns, map[string]map[string]string{"trainer-0": {}}, nil)
	kc := kubernetes.NewForConfigOrDie(s.env.Config)
	pod, err := kc.CoreV1().Pods(ns).Get(ctx, "trainer-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claim := &resourcev1.ResourceClaim{ObjectMeta: metav1.ObjectMeta{Name: "nics", Namespace: ns},
		Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{Requests: []resourcev1.DeviceRequest{
			{Name: "fast", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "dranet"}},
			{Name: "slow", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "dranet"}},
		}}}}
	if claim, err = kc.ResourceV1().ResourceClaims(ns).Create(ctx, claim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	claim.Status = resourcev1.ResourceClaimStatus{
		Allocation: &resourcev1.AllocationResult{Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{
			{Request: "fast", Driver: "dra.net", Pool: "node-a", Device: "eth1"},
			{Request: "slow", Driver: "dra.net", Pool: "node-a", Device: "eth2"},
		}}},
		ReservedFor: []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: pod.Name, UID: pod.UID}},
		Devices: []resourcev1.AllocatedDeviceStatus{
			{Driver: "dra.net", Pool: "node-a", Device: "eth1",
				Conditions:  []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "NetworkDeviceReady", LastTransitionTime: metav1.Now()}},
				NetworkData: &resourcev1.NetworkDeviceData{InterfaceName: "eth1", IPs: []string{"10.9.8.7/24"}, HardwareAddress: "02:00:00:00:00:07"}},
			{Driver: "dra.net", Pool: "node-a", Device: "eth2",
				Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "NetworkDeviceError", Message: "link eth2 not found", LastTransitionTime: metav1.Now()}}},
		},
	}
	if _, err := kc.ResourceV1().ResourceClaims(ns).UpdateStatus(ctx, claim, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the claim's status as a driver does: %v", err)
	}

	r := runBin(t, s.kubeconfig, "status", "-n", ns, "-o", "json")
	if r.code != 0 {
		t.Fatalf("status: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Pods []struct {
			Name       string
			Interfaces []struct {
				Network, Interface, State, Claim, Device, Reason, MAC string
				IPs                                                   []string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Pods) != 1 {
		t.Fatalf("status -o json: %v\n%s", err, r.stdout)
	}
	got := map[string]string{}
	for _, in := range rep.Pods[0].Interfaces {
		got[in.Claim] = in.State + " " + in.Interface + " " + in.Device + " " + in.Reason + " " + in.MAC
		if in.Claim == "nics/fast" && (len(in.IPs) != 1 || in.IPs[0] != "10.9.8.7") {
			t.Errorf("fast: ips %v, want the driver's 10.9.8.7/24 without its prefix", in.IPs)
		}
	}
	want := map[string]string{
		"nics/fast": "attached eth1 dra.net/node-a/eth1  02:00:00:00:00:07",
		"nics/slow": "missing  dra.net/node-a/eth2 device not ready: NetworkDeviceError: link eth2 not found ",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("claim %s: %q, want %q", k, got[k], v)
		}
	}
	codes, _, _ := doctorCodes(t, s.kubeconfig, "-n", ns)
	found := false
	for _, c := range codes {
		found = found || c == "MN3011 Pod "+ns+"/trainer-0"
	}
	if !found {
		t.Errorf("doctor: %v, want MN3011 for trainer-0", codes)
	}

	// A user who may read pods but not claims still gets the pods, and one line saying that claims'
	// devices are not shown.
	reader := podReader(t, kc, ns)
	r = runBin(t, reader, "status", "-n", ns, "-o", "json")
	if r.code != 0 || !strings.HasPrefix(r.stderr, `warning: not allowed to list resourceclaims in namespace "it-dra"`) ||
		!strings.HasSuffix(r.stderr, "; DRA network devices (claims) are not shown\n") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("status without access to claims: exit %d, stderr %q; want exit 0 and one warning", r.code, r.stderr)
	}
}
