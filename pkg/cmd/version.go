package cmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func newVersion(streams genericiooptions.IOStreams, info BuildInfo) *cobra.Command {
	return &cobra.Command{
		Use:               "version",
		Short:             "Print the version of kubectl-multinet",
		Args:              cobra.NoArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(streams.Out, "kubectl-multinet %s (commit %s, %s, %s/%s)\n",
				info.Version, info.Commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
