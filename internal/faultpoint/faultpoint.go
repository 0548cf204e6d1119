//go:build !multinet_faultpoints

// Package faultpoint marks the stages of a CNI command where fault tests kill the process. Release
// builds compile every mark to nothing; a binary built with the multinet_faultpoints tag stops at
// the stage named by $MULTINET_FAULTPOINT, says so on stderr ("faultpoint: STAGE") and waits there to
// be killed (Hold) or interrupted (Wait, until its context ends), so a test kills or interrupts
// it at a known stage instead of after a guessed delay.
package faultpoint

import "context"

// Hold marks stage; in release builds it does nothing.
func Hold(stage string) {}

// Wait marks stage; in release builds it does nothing.
func Wait(ctx context.Context, stage string) {}
