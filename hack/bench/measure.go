package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"
)

type ctxT = context.Context

type namedCmd struct {
	name string
	argv []string
}

type sample struct {
	wall  time.Duration
	rssKB int64
	err   error // the command failed (killed when memory ran out, say): the row says so
}

// measureCmd runs each command -runs times, interleaved, stdout discarded, and prints a markdown
// table of median wall time and median peak RSS, with ratios to the first command.
func measureCmd(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ExitOnError)
	runs := fs.Int("runs", 5, "runs per command")
	_ = fs.Parse(args)
	cmds, err := splitCommands(fs.Args())
	if err != nil {
		return err
	}
	samples := make([][]sample, len(cmds))
	for r := 0; r < *runs; r++ {
		for i, c := range cmds {
			samples[i] = append(samples[i], runOnce(c.argv))
		}
	}
	fmt.Printf("| command | wall (median of %d) | peak RSS (median) | wall vs %s | RSS vs %s |\n|---|---|---|---|---|\n", *runs, cmds[0].name, cmds[0].name)
	base := median(samples[0])
	for i, c := range cmds {
		if failed := failures(samples[i]); failed != nil {
			fmt.Printf("| %s | failed: %v | %.0f MB when it ended | – | – |\n", c.name, failed.err, float64(failed.rssKB)/1024)
			continue
		}
		m := median(samples[i])
		fmt.Printf("| %s | %.3f s | %.0f MB | %.2f× | %.2f× |\n", c.name, m.wall.Seconds(), float64(m.rssKB)/1024,
			m.wall.Seconds()/base.wall.Seconds(), float64(m.rssKB)/float64(base.rssKB))
	}
	return nil
}

// failures returns the first failed sample, if any.
func failures(s []sample) *sample {
	for i := range s {
		if s[i].err != nil {
			return &s[i]
		}
	}
	return nil
}

// runOnce runs argv once. The command is the one the kernel kills first when memory runs out
// (oom_score_adj 1000), so that a command too big for the machine fails its row instead of taking
// the control plane down.
func runOnce(argv []string) sample {
	cmd := exec.Command(argv[0], argv[1:]...)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return sample{err: err}
	}
	defer devnull.Close()
	cmd.Stdout, cmd.Stderr = devnull, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{err: err}
	}
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/oom_score_adj", cmd.Process.Pid), []byte("1000"), 0)
	err = cmd.Wait()
	s := sample{wall: time.Since(start), err: err}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		s.rssKB = ru.Maxrss
	}
	return s
}

func median(s []sample) sample {
	walls := make([]time.Duration, len(s))
	rss := make([]int64, len(s))
	for i, v := range s {
		walls[i], rss[i] = v.wall, v.rssKB
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	return sample{wall: walls[len(walls)/2], rssKB: rss[len(rss)/2]}
}
