package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestProfileWrittenOnFailure: a run that ends with an error (doctor exits 1 on the seed dump's
// findings) still writes its --profile, for both kinds.
func TestProfileWrittenOnFailure(t *testing.T) {
	for _, kind := range []string{"cpu", "heap"} {
		t.Run(kind, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), kind+".pprof")
			streams, _, _, _ := genericiooptions.NewTestIOStreams()
			root := NewRoot(streams, BuildInfo{})
			root.SetArgs([]string{"doctor", "-f", seeds, "--profile", kind, "--profile-output", out})
			if err := root.ExecuteContext(context.Background()); err == nil {
				t.Fatal("doctor on the seed dump succeeded; the test needs a run that fails")
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) { // a profile is gzipped protobuf
				t.Errorf("%s holds %d bytes, not a profile", out, len(data))
			}
		})
	}
}
