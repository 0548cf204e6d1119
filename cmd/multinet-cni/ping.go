package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// pingMain runs `multinet-cni probe ping --iface NAME [--mtu N] [--count N] [--udp PORT] IP...` in a
// pod's namespace (kubectl multinet check connectivity) and prints the results as JSON.
func pingMain(args []string) error {
	fs := flag.NewFlagSet("probe ping", flag.ContinueOnError)
	iface := fs.String("iface", "", "interface to send on")
	mtu := fs.Int("mtu", 0, "also send one echo of this many bytes with DF set")
	count := fs.Int("count", 3, "echoes per target")
	wait := fs.Duration("wait", time.Second, "how long each echo waits for its reply")
	udp := fs.Int("udp", 0, "send UDP pings to `multinet-cni probe echo` at this port instead of ICMP echoes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *iface == "" || fs.NArg() == 0 {
		return fmt.Errorf("usage: multinet-cni probe ping --iface NAME [--mtu N] [--count N] [--udp PORT] IP...")
	}
	var res []netsnap.PingResult
	var err error
	if *udp > 0 {
		res, err = netsnap.PingUDP(*iface, fs.Args(), *udp, *count, *mtu, *wait)
	} else {
		res, err = netsnap.Ping(*iface, fs.Args(), *count, *mtu, *wait)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// echoMain runs `multinet-cni probe echo --iface NAME --port N [--peers N] [--for D]`: it answers
// UDP pings until peers senders are done, SIGTERM, or the duration ends. Once bound it prints one
// JSON line, which is how check connectivity knows it listens.
func echoMain(args []string) error {
	fs := flag.NewFlagSet("probe echo", flag.ContinueOnError)
	iface := fs.String("iface", "", "interface to answer on")
	port := fs.Int("port", 0, "UDP port")
	peers := fs.Int("peers", 0, "stop once this many senders are done (0: never)")
	limit := fs.Duration("for", 5*time.Minute, "stop after this long in any case")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *iface == "" || *port <= 0 || fs.NArg() > 0 {
		return fmt.Errorf("usage: multinet-cni probe echo --iface NAME --port N [--peers N] [--for D]")
	}
	srv, err := netsnap.ListenEcho(*iface, *port)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"listening": *iface, "port": *port}); err != nil {
		return err
	}
	n, err := srv.Serve(ctx, *peers)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]int{"answered": n})
}

// echoStopMain runs `multinet-cni probe echo-stop --ip IP --port N` in the pod of an echo server
// that some peers could not reach (so it never heard they were done), and stops it.
func echoStopMain(args []string) error {
	fs := flag.NewFlagSet("probe echo-stop", flag.ContinueOnError)
	ip := fs.String("ip", "", "the address the echo server listens on, one of this pod's")
	port := fs.Int("port", 0, "UDP port")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ip == "" || *port <= 0 || fs.NArg() > 0 {
		return fmt.Errorf("usage: multinet-cni probe echo-stop --ip IP --port N")
	}
	if err := netsnap.StopEcho(*ip, *port); err != nil {
		return fmt.Errorf("stop the echo server at %s:%d: %w", *ip, *port, err)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]string{"stopped": *ip})
}

// waitMain runs `multinet-cni probe wait [--for D]`, the main process of check connectivity's probe
// pods: it does nothing until SIGTERM or the duration ends.
func waitMain(args []string) error {
	fs := flag.NewFlagSet("probe wait", flag.ContinueOnError)
	limit := fs.Duration("for", 10*time.Minute, "exit after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	<-ctx.Done()
	return nil
}
