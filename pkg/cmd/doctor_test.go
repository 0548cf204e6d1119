package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestDoctorDumpSelection: on a dump, pod arguments and -l keep the findings of the selected pods
// (and every NAD and pool finding), as they do against a cluster.
func TestDoctorDumpSelection(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		label string
		want  string
	}{
		{"whole dump", nil, "", "NetworkAttachmentDefinition/gke-network-2 Pod/broken-annotation Pod/old-multus Pod/two-nets Pod/two-nets Pod/vmware-pod"},
		{"one pod", []string{"pod/two-nets"}, "", "NetworkAttachmentDefinition/gke-network-2 Pod/two-nets Pod/two-nets"},
		{"label matching nothing", nil, "app=none", "NetworkAttachmentDefinition/gke-network-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, _, out, _ := genericiooptions.NewTestIOStreams()
			o := NewDoctorOptions(nil, streams)
			o.Files, o.LabelSelector, o.Output, o.FailOn = []string{seeds}, tt.label, "json", "never"
			if err := run(context.Background(), o, tt.args); err != nil {
				t.Fatal(err)
			}
			var rep struct {
				Findings []struct {
					Object struct{ Kind, Name string }
				}
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.Object.Kind+"/"+f.Object.Name)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != tt.want {
				t.Errorf("findings about %v, want %s", got, tt.want)
			}
		})
	}
}

// TestDoctorNamesAbsentInputs: a dump without pods says so on stderr, naming every input it lacks.
func TestDoctorNamesAbsentInputs(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "nads.yaml")
	if err := os.WriteFile(empty, []byte("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: nad1, namespace: default}\nspec: {config: '{\"type\":\"macvlan\",\"master\":\"eth1\"}'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	o := NewDoctorOptions(nil, streams)
	o.Files, o.FailOn = []string{empty}, "never"
	if err := run(context.Background(), o, nil); err != nil {
		t.Fatal(err)
	}
	want := empty + " holds no pods; absent from it: pods, whereabouts ippools, multinet ipallocations, whereabouts overlappingrangeipreservations, events, nodes, daemonsets, multus daemon pods, clusterroles, gkeiproutes, resourceclaims, API groups (CRDs)\n"
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}
