// Command kubectl-multinet is the kubectl plugin for pods with more than one network interface.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec, OIDC and cloud auth providers from kubeconfigs

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cmd"
)

// version and commit are set at link time by `make build`/`make dist`.
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
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
