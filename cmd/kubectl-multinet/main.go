// Command kubectl-multinet is the kubectl plugin for pods with more than one network interface.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec, OIDC and cloud auth providers from kubeconfigs
	"k8s.io/klog/v2"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cmd"
)

// version and commit are set at link time by `make build`/`make dist`.
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	// client-go logs through klog ("Waited before sending request", bodies cut short by a
	// cancelled read); the plugin's errors are its own one-line messages, so keep stderr for them.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := cmd.NewRoot(streams, cmd.BuildInfo{Version: version, Commit: commit}).ExecuteContext(ctx)
	stop()
	if err == nil {
		return
	}
	var exit *cli.ExitError
	if !errors.As(err, &exit) || !exit.Silent {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		os.Exit(coded.ExitCode())
	}
	os.Exit(1)
}
