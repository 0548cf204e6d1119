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
			s, err := runOnce(c.argv)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			samples[i] = append(samples[i], s)
		}
	}
	fmt.Printf("| command | wall (median of %d) | peak RSS (median) | wall vs %s | RSS vs %s |\n|---|---|---|---|---|\n", *runs, cmds[0].name, cmds[0].name)
	base := median(samples[0])
	for i, c := range cmds {
		m := median(samples[i])
		fmt.Printf("| %s | %.3f s | %.0f MB | %.2f× | %.2f× |\n", c.name, m.wall.Seconds(), float64(m.rssKB)/1024,
			m.wall.Seconds()/base.wall.Seconds(), float64(m.rssKB)/float64(base.rssKB))
	}
	return nil
}

func runOnce(argv []string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return sample{}, err
	}
	defer devnull.Close()
	cmd.Stdout, cmd.Stderr = devnull, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("run %v: %w", argv, err)
	}
	wall := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss
	}
	return sample{wall: wall, rssKB: rss}, nil
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
