package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IsTerminal says whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Color says whether output to w may be coloured: w is a terminal and NO_COLOR is unset.
func Color(w io.Writer) bool {
	if _, off := os.LookupEnv("NO_COLOR"); off {
		return false
	}
	return IsTerminal(w)
}
