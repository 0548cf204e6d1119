package cmd

import (
	"context"
	"encoding/json"
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
			o.Filename, o.LabelSelector, o.Output, o.FailOn = seeds, tt.label, "json", "never"
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
