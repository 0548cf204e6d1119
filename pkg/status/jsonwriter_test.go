package status

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

func encodingJSON(t testing.TB, pods []inspect.Pod) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(Report{Pods: nonNil(pods)}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
	cases := [][]inspect.Pod{
		nil,
		{{Namespace: "a", Name: "p", Interfaces: []inspect.Interface{}}},
		{{Namespace: "a", Name: "p", Node: "n", Phase: "Running", Problems: []string{"bad \"json\" <here> & \x01\t\n", "two"},
			Interfaces: []inspect.Interface{
				{Network: "", Interface: "eth0", IPs: []string{"10.0.0.1", "fd00::1"}, MAC: "0a:58", Default: true, State: inspect.StateDefault},
				{Network: "ns/n\u2028", Interface: "net1", IPs: []string{}, State: inspect.StateMissing, Config: "macvlan master=x"},
				{Network: "ns/bad\xff\xfeutf8", IPs: nil, State: inspect.StateUnrequested},
				{Network: "claim:nic/nic", Interface: "eth1", IPs: []string{"10.9.8.7"}, State: inspect.StateMissing,
					Claim: "nic/nic", Device: "dra.net/node-a/eth1", Reason: "device not ready: \"x\""},
			}},
			{Namespace: "b", Name: "ü", Interfaces: []inspect.Interface{}}},
	}
	for i, pods := range cases {
		var buf bytes.Buffer
		if err := writeReportJSON(&buf, pods); err != nil {
			t.Fatal(err)
		}
		if want := encodingJSON(t, pods); buf.String() != want {
			t.Errorf("case %d:\n got %s\nwant %s", i, buf.String(), want)
		}
	}
}

func FuzzJSONWriter(f *testing.F) {
	f.Add("ns", "name", "10.0.0.1", "<&>\u2028\x00")
	f.Fuzz(func(t *testing.T, ns, name, ip, note string) {
		pods := []inspect.Pod{{Namespace: ns, Name: name, Problems: []string{note},
			Interfaces: []inspect.Interface{{Network: note, Interface: name, IPs: []string{ip}, MAC: note, State: inspect.StateAttached, Config: note,
				Claim: ns, Device: ip, Reason: note}}}}
		var buf bytes.Buffer
		if err := writeReportJSON(&buf, pods); err != nil {
			t.Fatal(err)
		}
		if want := encodingJSON(t, pods); buf.String() != want {
			t.Fatalf("got %q\nwant %q", buf.String(), want)
		}
	})
}
