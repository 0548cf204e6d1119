// Command imagetar writes an OCI image archive (an OCI image layout in a tar, as `ctr images import`
// and `crane push` read it) from local files, with go-containerregistry: one single-layer image a
// platform, under one image index when there are several.
//
//	imagetar -name docker.io/multinet/multinet-cni:v1 -o out.tar -entrypoint /multinet-cni \
//	  -platforms linux/amd64,linux/arm64 /multinet-cni=bin/{arch}/multinet-cni
//
// FILE may hold {os} and {arch}, filled for each platform. An argument /PATH->TARGET adds a symbolic
// link (e.g. /var/run->/run, as distribution images have).
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	ref := flag.String("name", "", "image reference, registry-qualified (docker.io/lab/app:tag)")
	out := flag.String("o", "", "output archive")
	entry := flag.String("entrypoint", "", "comma-separated entrypoint")
	platforms := flag.String("platforms", "linux/"+runtime.GOARCH, "comma-separated OS/ARCH list")
	flag.Parse()
	if *ref == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: imagetar -name REF -o OUT.tar [-entrypoint a,b] [-platforms linux/amd64,...] /PATH=FILE|/PATH->TARGET ...")
		os.Exit(2)
	}
	if err := run(*ref, *out, *entry, strings.Split(*platforms, ","), flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "imagetar:", err)
		os.Exit(1)
	}
}

func run(ref, out, entry string, platforms, files []string) error {
	tag, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		return fmt.Errorf("-name %q: %w", ref, err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var single v1.Image
	for _, p := range platforms {
		plat, err := v1.ParsePlatform(p)
		if err != nil {
			return fmt.Errorf("-platforms %q: %w", p, err)
		}
		img, err := image(plat, entry, files)
		if err != nil {
			return err
		}
		single = img
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
	}
	dir, err := os.MkdirTemp("", "imagetar-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	// The name as given: go-containerregistry's Name() spells docker.io as index.docker.io, which
	// containerd would not find under the name pods use.
	names := layout.WithAnnotations(map[string]string{"io.containerd.image.name": ref, "org.opencontainers.image.ref.name": tag.TagStr()})
	if len(platforms) == 1 {
		err = lp.AppendImage(single, names, layout.WithPlatform(*mustPlatform(platforms[0])))
	} else {
		err = lp.AppendIndex(idx, names)
	}
	if err != nil {
		return err
	}
	return tarDir(dir, out)
}

func mustPlatform(s string) *v1.Platform {
	p, _ := v1.ParsePlatform(s) // parsed once already
	return p
}

// image is one platform's image: a layer of files, the entrypoint, PATH=/.
func image(plat *v1.Platform, entry string, files []string) (v1.Image, error) {
	data, err := layerTar(plat, files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = plat.OS, plat.Architecture, plat.Variant
	cfg.Config.Env = []string{"PATH=/"}
	if entry != "" {
		cfg.Config.Entrypoint = strings.Split(entry, ",")
	}
	return mutate.ConfigFile(img, cfg)
}

// layerTar packs each /PATH=FILE as an executable at PATH and each /PATH->TARGET as a symbolic link.
func layerTar(plat *v1.Platform, files []string) ([]byte, error) {
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
			return nil, fmt.Errorf("file argument %q is not /PATH=FILE or /PATH->TARGET", f)
		}
		src = strings.NewReplacer("{os}", plat.OS, "{arch}", plat.Architecture).Replace(src)
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

// tarDir writes the layout in dir as a tar at out, in name order.
func tarDir(dir, out string) error {
	var paths []string
	if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	}); err != nil {
		return err
	}
	sort.Strings(paths)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}
