// Command bench seeds a control plane with realistic multi-network pods and measures commands that
// read them (wall time and peak RSS), for make bench-status. Subcommands:
//
//	bench seed -kubeconfig K -pods 10000 -namespaces 20
//	bench metadata-list -kubeconfig K          (the raw metadata-only list being compared against)
//	bench typed-list -kubeconfig K             (the older plugin's access pattern: one typed list)
//	bench ipam -plugin BIN -netns PATH -n 1000 -c 50   (an IPAM binary, one process per call)
//	bench cni -bin DIR -conflist JSON -n 100         (ADD/DEL cycles through libcni in real namespaces)
//	bench measure -runs 5 -- NAME=CMD ... ;;   (each command run -runs times, interleaved)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench scale-seed|scale-fill|seed|metadata-list|typed-list|ipam|cni|measure [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "scale-fill":
		err = scaleFillCmd(os.Args[2:])
	case "scale-seed":
		err = scaleSeedCmd(os.Args[2:])
	case "seed":
		err = seedCmd(os.Args[2:])
	case "metadata-list":
		err = metadataListCmd(os.Args[2:])
	case "typed-list":
		err = typedListCmd(os.Args[2:])
	case "ipam":
		err = ipamCmd(os.Args[2:])
	case "cni":
		err = cniCmd(os.Args[2:])
	case "measure":
		err = measureCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// kubeconfigFlag adds -kubeconfig to fs.
func kubeconfigFlag(fs *flag.FlagSet) *string {
	return fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the control plane")
}

// clientset is a typed client for the kubeconfig at path.
func clientset(path string) (*kubernetes.Clientset, error) {
	cfg, err := restConfig(path)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// dynClient is a dynamic client for the kubeconfig at path.
func dynClient(path string) (*dynamic.DynamicClient, error) {
	cfg, err := restConfig(path)
	if err != nil {
		return nil, err
	}
	return dynamic.NewForConfig(cfg)
}

func restConfig(path string) (*rest.Config, error) {
	if path == "" {
		return nil, errors.New("-kubeconfig (or $KUBECONFIG) is required")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	cfg.QPS, cfg.Burst = 2000, 4000
	return cfg, nil
}

// splitCommands parses `NAME=CMD ARGS ;; NAME=CMD ARGS`.
func splitCommands(args []string) ([]namedCmd, error) {
	var out []namedCmd
	var cur []string
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		name, first, ok := strings.Cut(cur[0], "=")
		if !ok {
			return fmt.Errorf("command %q: want NAME=CMD", strings.Join(cur, " "))
		}
		out = append(out, namedCmd{name: name, argv: append([]string{first}, cur[1:]...)})
		cur = nil
		return nil
	}
	for _, a := range args {
		if a == ";;" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		cur = append(cur, a)
	}
	return out, flush()
}

func ctx() context.Context { return context.Background() }
