package inspect

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseNetworks(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    []Request
		wantErr string
	}{
		{name: "empty", value: "", want: nil},
		{name: "seed 003 bare name", value: "macvlan-conf", want: []Request{{Namespace: "app", Name: "macvlan-conf"}}},
		{name: "seed 002 comma list", value: "default/gke-network-1,default/gke-network-2",
			want: []Request{{Namespace: "default", Name: "gke-network-1"}, {Namespace: "default", Name: "gke-network-2"}}},
		{name: "ifname and spaces", value: " other/data@dp0 , ctl ",
			want: []Request{{Namespace: "other", Name: "data", Interface: "dp0"}, {Namespace: "app", Name: "ctl"}}},
		{name: "json list", value: `[{"name":"data","namespace":"other","interface":"dp0","ips":["10.1.1.5/24"],"mac":"02:00:00:00:00:01"},{"name":"ctl"}]`,
			want: []Request{{Namespace: "other", Name: "data", Interface: "dp0", IPs: []string{"10.1.1.5/24"}, MAC: "02:00:00:00:00:01"}, {Namespace: "app", Name: "ctl"}}},
		{name: "truncated json", value: `[{"name": "my-nad"`, wantErr: "invalid JSON"},
		{name: "json name a number", value: `[{"name": 5}]`, wantErr: `invalid JSON: "name" is a JSON number, want a string`},
		{name: "json without name", value: `[{"interface":"net1"}]`, wantErr: "element 1 has no network name"},
		{name: "uppercase name", value: "default/MyNet", wantErr: "did not match"},
		{name: "two slashes", value: "a/b/c", wantErr: "failed at '/'"},
		{name: "trailing comma", value: "a,", wantErr: "element 2 has no network name"},
		{name: "long ifname", value: `[{"name":"a","interface":"averyveryverylongname"}]`, wantErr: "at most 15 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNetworks(tt.value, "app")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), NetworksAnnotation+": ") {
					t.Errorf("error %q does not name the annotation", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseGKEInterfaces(t *testing.T) {
	got, err := ParseGKEInterfaces(`[{"interfaceName":"eth0","network":"default"}, {"interfaceName":"eth1","network":"blue-network"}]`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Request{{Name: "default", Interface: "eth0"}, {Name: "blue-network", Interface: "eth1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{`{}`, `[{"network":"blue"}]`, `[{"interfaceName":"eth1"}]`, `nope`} {
		if _, err := ParseGKEInterfaces(bad); err == nil || !strings.HasPrefix(err.Error(), GKEInterfacesAnnotation) {
			t.Errorf("ParseGKEInterfaces(%q) error = %v, want one naming the annotation", bad, err)
		}
	}
}

func FuzzParseNetworks(f *testing.F) {
	for _, s := range []string{"macvlan-conf", "default/a@net1,b", `[{"name":"a","interface":"x"}]`, `[{"name":`, "a,,b", "a/b/c", "@", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		reqs, err := ParseNetworks(v, "ns")
		if err != nil {
			return
		}
		for _, r := range reqs {
			if r.Name == "" || r.Namespace == "" {
				t.Fatalf("accepted %q with an empty name or namespace: %+v", v, r)
			}
			if len(r.Interface) > maxIfNameLen {
				t.Fatalf("accepted %q with interface %q", v, r.Interface)
			}
		}
	})
}

func FuzzInspectPod(f *testing.F) {
	f.Add("a,b@x", `[{"name":"","interface":"eth0","default":true},{"name":"ns/a","interface":"net1"}]`, `[{"interfaceName":"eth1","network":"blue"}]`, `[{"networkName":"blue"}]`)
	f.Add(`[{"name":"a"}]`, `{`, "", "")
	f.Fuzz(func(t *testing.T, networks, status, gkeIfs, gkeStatus string) {
		ann := map[string]string{}
		for k, v := range map[string]string{NetworksAnnotation: networks, NetworkStatusAnnotation: status,
			GKEInterfacesAnnotation: gkeIfs, GKEInterfaceStatusAnnotation: gkeStatus} {
			if v != "" {
				ann[k] = v
			}
		}
		p := InspectPod(PodMeta{Namespace: "ns", Name: "p", Annotations: ann}, NewNADSet())
		missing := 0
		for _, in := range p.Interfaces {
			switch in.State {
			case StateDefault, StateAttached, StateUnrequested:
			case StateMissing:
				missing++
			default:
				t.Fatalf("interface with state %q", in.State)
			}
			if in.IPs == nil {
				t.Fatalf("interface %+v has nil IPs (JSON would print null)", in)
			}
		}
		if missing > len(p.Requests) {
			t.Fatalf("%d missing interfaces for %d requests", missing, len(p.Requests))
		}
	})
}
