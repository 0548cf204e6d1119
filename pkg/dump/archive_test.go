package dump

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

// TestReadArchive: a bundle's cluster/ and nodes/ lists are read, its other files are not; a gzip
// that does not open, or a tar that breaks, is one error naming the file.
func TestReadArchive(t *testing.T) {
	pods := `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"x"}}]}`
	creds := `{"apiVersion":"multinet.io/v1alpha1","kind":"NodeCredentials","metadata":{"name":"node-a"},"credentials":[]}`
	data := tarGz(t, map[string]string{
		"multinet-bundle/cluster/pods.json":              pods,
		"multinet-bundle/nodes/node-a/credentials.json":  creds,
		"multinet-bundle/versions.json":                  `{"server":"v1.37.2"}`,
		"multinet-bundle/cluster/README.txt":             "not json",
		"elsewhere/cluster/ignored-because-not-under.js": "x",
	})
	objs, err := Read(bytes.NewReader(data), "b.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Items) != 2 || !objs.Has("", "Pod") || !objs.Has("multinet.io", "NodeCredentials") {
		t.Errorf("read %d objects: %+v; want the pod and the node credentials", len(objs.Items), objs.Items)
	}
	for _, bad := range [][]byte{{0x1f, 0x8b, 0, 0}, data[:len(data)/2]} {
		if _, err := Read(bytes.NewReader(bad), "b.tar.gz"); err == nil || !strings.Contains(err.Error(), "b.tar.gz") || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("broken archive: %v; want one line naming b.tar.gz", err)
		}
	}
}
