// Command ocitar writes a single-layer OCI image archive from local files, for `ctr images import` on
// the lab node: the lab's images are built from this repository's static binaries, with no registry.
//
//	ocitar -name docker.io/multinet/testpod:lab -entrypoint /testpod,pause -o out.tar /testpod=bin/testpod ...
//
// An argument /PATH->TARGET adds a symbolic link (e.g. /var/run->/run, as distribution images have).
package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// blob is one content-addressed file of the archive.
type blob struct {
	media string
	data  []byte
}

func (b blob) digest() string {
	sum := sha256.Sum256(b.data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (b blob) descriptor() map[string]any {
	return map[string]any{"mediaType": b.media, "digest": b.digest(), "size": len(b.data)}
}

func main() {
	name := flag.String("name", "", "image reference, registry-qualified (docker.io/lab/app:tag)")
	out := flag.String("o", "", "output archive")
	entry := flag.String("entrypoint", "", "comma-separated entrypoint")
	flag.Parse()
	if *name == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: ocitar -name REF -o OUT.tar [-entrypoint a,b] /PATH=FILE|/PATH->TARGET ...")
		os.Exit(2)
	}
	if err := run(*name, *out, *entry, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "ocitar:", err)
		os.Exit(1)
	}
}

func run(name, out, entry string, files []string) error {
	layer, err := layerTar(files)
	if err != nil {
		return err
	}
	l := blob{"application/vnd.oci.image.layer.v1.tar", layer}
	cfg := map[string]any{
		"architecture": runtime.GOARCH, "os": "linux",
		"config": map[string]any{"Entrypoint": strings.Split(entry, ","), "Env": []string{"PATH=/"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{l.digest()}},
	}
	cb, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	c := blob{"application/vnd.oci.image.config.v1+json", cb}
	mb, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": c.descriptor(), "layers": []any{l.descriptor()},
	})
	if err != nil {
		return err
	}
	m := blob{"application/vnd.oci.image.manifest.v1+json", mb}
	md := m.descriptor()
	md["platform"] = map[string]string{"architecture": runtime.GOARCH, "os": "linux"}
	md["annotations"] = map[string]string{"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name[strings.LastIndex(name, ":")+1:]}
	ib, err := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{md}})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(path string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: path, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := add("index.json", ib); err != nil {
		return err
	}
	for _, b := range []blob{l, c, m} {
		if err := add("blobs/sha256/"+strings.TrimPrefix(b.digest(), "sha256:"), b.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// layerTar packs each /PATH=FILE as an executable at PATH and each /PATH->TARGET as a symbolic link.
func layerTar(files []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if path, target, ok := strings.Cut(f, "->"); ok {
			hdr := &tar.Header{Typeflag: tar.TypeSymlink, Name: strings.TrimPrefix(path, "/"), Linkname: target, Mode: 0o777, ModTime: time.Unix(0, 0)}
			if err := tw.WriteHeader(hdr); err != nil {
				return nil, err
			}
			continue
		}
		path, src, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("file argument %q is not /PATH=FILE", f)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", src, err)
		}
		hdr := &tar.Header{Name: strings.TrimPrefix(path, "/"), Mode: 0o755, Size: int64(len(data)), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
