// Package cniconf reads a node's CNI config directory as a support bundle holds it: every text file
// up to a size, redacted on the node (pkg/redact), with a note for what it leaves out. It links no
// Kubernetes client (it runs in multinet-cni, `node cniconf`).
package cniconf

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"unicode/utf8"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/redact"
)

// Dir is what Read found.
type Dir struct {
	// Files maps each path, relative to the directory, to its redacted content.
	Files map[string]string `json:"files"`
	// Skipped names the files left out, each with why.
	Skipped []string `json:"skipped,omitempty"`
}

// MaxFile is the largest file Read keeps; MaxFiles the most files.
const (
	MaxFile  = 1 << 20
	MaxFiles = 500
)

// Read walks root (symbolic links are not followed) and keeps text files up to MaxFile bytes.
func Read(root string) Dir {
	out := Dir{Files: map[string]string{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		switch {
		case err != nil:
			out.Skipped = append(out.Skipped, fmt.Sprintf("%s: %v", rel, err))
			return nil
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			out.Skipped = append(out.Skipped, rel+": not a regular file")
			return nil
		case len(out.Files) >= MaxFiles:
			out.Skipped = append(out.Skipped, fmt.Sprintf("%s: more than %d files", rel, MaxFiles))
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > MaxFile {
			out.Skipped = append(out.Skipped, fmt.Sprintf("%s: larger than %d bytes", rel, MaxFile))
			return nil
		}
		data, err := os.ReadFile(p)
		switch {
		case err != nil:
			out.Skipped = append(out.Skipped, fmt.Sprintf("%s: %v", rel, err))
		case !utf8.Valid(data):
			out.Skipped = append(out.Skipped, rel+": binary")
		default:
			out.Files[rel] = redact.String(string(data))
		}
		return nil
	})
	if err != nil {
		out.Skipped = append(out.Skipped, err.Error())
	}
	sort.Strings(out.Skipped)
	return out
}
