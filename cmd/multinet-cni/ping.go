package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// pingMain runs `multinet-cni probe ping --iface NAME [--mtu N] [--count N] IP...` in a pod's
// namespace (kubectl multinet check connectivity) and prints the results as JSON.
func pingMain(args []string) error {
	fs := flag.NewFlagSet("probe ping", flag.ContinueOnError)
	iface := fs.String("iface", "", "interface to send on")
	mtu := fs.Int("mtu", 0, "also send one echo of this many bytes with DF set")
	count := fs.Int("count", 3, "echoes per target")
	wait := fs.Duration("wait", time.Second, "how long each echo waits for its reply")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *iface == "" || fs.NArg() == 0 {
		return fmt.Errorf("usage: multinet-cni probe ping --iface NAME [--mtu N] [--count N] IP...")
	}
	res, err := netsnap.Ping(*iface, fs.Args(), *count, *mtu, *wait)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
