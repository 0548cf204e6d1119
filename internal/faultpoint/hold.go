//go:build multinet_faultpoints

package faultpoint

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// wanted returns the stage to stop at, from $MULTINET_FAULTPOINT or else File, and whether to kill
// this process there.
func wanted() (stage string, kill bool) {
	if s := os.Getenv(Env); s != "" {
		return s, false
	}
	data, err := os.ReadFile(File)
	if err != nil {
		return "", false
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return "", false
	}
	return f[0], len(f) > 1 && f[1] == "kill"
}

// Hold stops the process at stage when $MULTINET_FAULTPOINT (or File) names it: it writes
// "faultpoint: STAGE" to stderr and sleeps until killed, or with "STAGE kill" in File records
// the stage in Held and SIGKILLs itself.
func Hold(stage string) {
	want, kill := wanted()
	if want != stage {
		return
	}
	fmt.Fprintln(os.Stderr, Said(stage))
	if kill {
		if f, err := os.OpenFile(Held, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, stage)
			f.Close()
		}
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	for {
		time.Sleep(time.Hour)
	}
}

// Wait stops at stage when $MULTINET_FAULTPOINT names it: it writes "faultpoint: STAGE" to stderr
// and returns when ctx ends (an interrupted command), so the command's cleanup runs from there.
func Wait(ctx context.Context, stage string) {
	if os.Getenv(Env) != stage {
		return
	}
	fmt.Fprintln(os.Stderr, Said(stage))
	<-ctx.Done()
}
