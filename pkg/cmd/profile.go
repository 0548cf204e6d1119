package cmd

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiling is kubectl's hidden --profile and --profile-output: a Go profile of one run, for
// finding where time or memory goes at scale (make bench-scale).
type profiling struct {
	kind, output string
	cpu          *os.File
}

func (p *profiling) addFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&p.kind, "profile", "none", "Profile to write: none, cpu or heap.")
	f.StringVar(&p.output, "profile-output", "profile.pprof", "File the profile is written to.")
	_ = f.MarkHidden("profile")
	_ = f.MarkHidden("profile-output")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return p.start() }
}

// stopAfter makes every command under c write the profile when its RunE returns, also with an error:
// cobra skips PersistentPostRunE after one, which lost the profile of every doctor run with findings.
func (p *profiling) stopAfter(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			if serr := p.stop(); err == nil {
				err = serr
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		p.stopAfter(sub)
	}
}

func (p *profiling) start() error {
	switch p.kind {
	case "none", "heap":
		return nil
	case "cpu":
		f, err := os.Create(p.output)
		if err != nil {
			return fmt.Errorf("--profile-output: %w", err)
		}
		p.cpu = f
		return pprof.StartCPUProfile(f)
	}
	return fmt.Errorf("--profile %q: use none, cpu or heap", p.kind)
}

func (p *profiling) stop() error {
	switch {
	case p.cpu != nil:
		pprof.StopCPUProfile()
		f := p.cpu
		p.cpu = nil
		return f.Close()
	case p.kind == "heap":
		f, err := os.Create(p.output)
		if err != nil {
			return fmt.Errorf("--profile-output: %w", err)
		}
		defer f.Close()
		runtime.GC()
		return pprof.Lookup("allocs").WriteTo(f, 0)
	}
	return nil
}
