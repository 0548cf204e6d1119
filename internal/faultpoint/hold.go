//go:build multinet_faultpoints

package faultpoint

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Hold stops the process at stage when $MULTINET_FAULTPOINT names it: it writes
// "faultpoint: STAGE" to stderr and sleeps until killed.
func Hold(stage string) {
	if os.Getenv(Env) != stage {
		return
	}
	fmt.Fprintln(os.Stderr, Said(stage))
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
