package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cniconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logtail"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodeagent"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodecreds"
)

// nodeMain runs `multinet-cni node install|agent|uninstall`, the DaemonSet's and the cleanup pod's
// entrypoints.
func nodeMain(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: multinet-cni node install|agent|serve|uninstall|logpaths|creds|cniconf|tail [flags]")
	}
	fs := flag.NewFlagSet("node "+args[0], flag.ContinueOnError)
	var d nodeagent.Dirs
	var apiserver, namespace, node string
	var refresh, gcEvery time.Duration
	fs.StringVar(&d.Bin, "bin-dir", "/host/bin", "CNI bin dir (container path)")
	fs.StringVar(&d.Conf, "conf-dir", "/host/multinet.d", "our subdirectory of the CNI config dir (container path)")
	fs.StringVar(&d.HostConf, "host-conf-dir", "/etc/cni/net.d/multinet.d", "the same directory as the host sees it")
	fs.StringVar(&apiserver, "apiserver", "", "API server URL for the IPAM (default: the in-cluster service)")
	fs.StringVar(&namespace, "store-namespace", "kube-system", "namespace of the IPAllocation objects")
	fs.StringVar(&node, "node-name", os.Getenv("NODE_NAME"), "the node's name, recorded on each allocation (default $NODE_NAME)")
	fs.DurationVar(&refresh, "refresh", time.Minute, "how often the IPAM's token is refreshed")
	fs.DurationVar(&gcEvery, "gc-every", 5*time.Minute, "how often allocations of deleted pods are released")
	var metricsAddr string
	fs.StringVar(&metricsAddr, "metrics-addr", "", "agent, serve: serve Prometheus metrics at HOST:PORT (the node IP; empty: none)")
	var kubeconfig, socket string
	fs.StringVar(&kubeconfig, "kubeconfig", "", "serve: kubeconfig of the IPAM server (default: in-cluster)")
	fs.StringVar(&socket, "socket", "", "serve: unix socket to listen on")
	tail := logtail.TailOptions{Poll: 250 * time.Millisecond, Now: time.Now}
	fs.IntVar(&tail.Lines, "tail", -1, "tail: lines of each file to print first (-1: all)")
	fs.DurationVar(&tail.Since, "since", 0, "tail: only lines newer than this")
	fs.BoolVar(&tail.Follow, "follow", false, "tail: keep printing appended lines")
	fs.Func("match", "tail: keep only lines containing this (repeatable)", func(v string) error {
		tail.Match = append(tail.Match, v)
		return nil
	})
	credMounts := nodecreds.Mounts{}
	cniDir := "/etc/cni/net.d"
	fs.StringVar(&cniDir, "cni-dir", cniDir, "creds: the node's CNI config dir")
	fs.Func("mount", "creds: NODE-DIR=POD-DIR, a node directory mounted into this pod (repeatable)", func(v string) error {
		host, pod, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("%q is not NODE-DIR=POD-DIR", v)
		}
		credMounts[host] = pod
		return nil
	})
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "install":
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
		if err := nodeagent.InstallPlugins(self, d.Bin); err != nil {
			return err
		}
		server, err := nodeagent.Server(apiserver)
		if err != nil {
			return err
		}
		if err := nodeagent.WriteCredentials(d, server, namespace, node); err != nil {
			return err
		}
		fmt.Printf("installed %v into %s; IPAM credentials in %s (API server %s)\n", nodeagent.Plugins, d.Bin, d.HostConf, server)
		return nil
	case "uninstall":
		if err := nodeagent.Remove(d); err != nil {
			return err
		}
		fmt.Printf("removed %v from %s and our files from %s\n", nodeagent.Plugins, d.Bin, d.HostConf)
		return nil
	case "agent":
		return runAgent(d, apiserver, namespace, node, refresh, gcEvery, metricsAddr)
	case "serve":
		if socket == "" || kubeconfig == "" {
			return fmt.Errorf("serve needs --socket and --kubeconfig")
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		m := ipam.NewMetrics(ipam.FallbackSpool(socket))
		if err := serveMetrics(ctx, m, metricsAddr); err != nil {
			return err
		}
		return serveIPAM(ctx, cfg, socket, m)
	case "logpaths":
		paths, err := logtail.FindPaths(d.Conf)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(paths)
	case "creds":
		return json.NewEncoder(os.Stdout).Encode(nodecreds.Scan(credMounts, cniDir, time.Now()))
	case "cniconf":
		return json.NewEncoder(os.Stdout).Encode(cniconf.Read(cniDir))
	case "tail":
		var files []logtail.File
		for _, a := range fs.Args() {
			src, path, ok := strings.Cut(a, "=")
			if !ok {
				return fmt.Errorf("tail: %q is not SOURCE=PATH", a)
			}
			files = append(files, logtail.File{Source: src, Path: path})
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		return logtail.Tail(os.Stdout, files, tail, ctx.Done())
	}
	return fmt.Errorf("unknown node command %q, want install, agent, uninstall, logpaths, creds, cniconf or tail", args[0])
}

// serveIPAM answers multinet-ipam's requests on socket with one warm API client, counted in m.
func serveIPAM(ctx context.Context, cfg *rest.Config, socket string, m *ipam.Metrics) error {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = ipam.AgentQPS, ipam.AgentBurst
	cfg.Wrap(m.WrapTransport)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("API client: %w", err)
	}
	_ = os.Remove(socket) // a socket left by a previous agent
	l, err := net.Listen("unix", socket)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", socket, err)
	}
	defer os.Remove(socket)
	if err := os.Chmod(socket, 0o600); err != nil {
		return fmt.Errorf("restrict %s: %w", socket, err)
	}
	fmt.Fprintln(os.Stderr, ipam.ServingLine(socket))
	return (&ipam.Server{Client: dyn, Timeout: 30 * time.Second, Metrics: m, Cache: &ipam.NetworkCache{Client: dyn, Stop: ctx.Done()}}).Serve(ctx, l)
}

// serveMetrics serves m at addr (nothing when addr is empty) until ctx ends; it fails only when addr
// cannot be listened on.
func serveMetrics(ctx context.Context, m *ipam.Metrics, addr string) error {
	if addr == "" {
		return nil
	}
	// $(NODE_IP):PORT from the DaemonSet: an IPv6 node IP needs brackets.
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasPrefix(addr, "[") {
		addr = net.JoinHostPort(addr[:i], addr[i+1:])
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = srv.Serve(l) }()
	fmt.Fprintf(os.Stderr, "agent: serving metrics on http://%s/metrics\n", l.Addr())
	return nil
}

func runAgent(d nodeagent.Dirs, apiserver, namespace, node string, refresh, gcEvery time.Duration, metricsAddr string) error {
	server, err := nodeagent.Server(apiserver)
	if err != nil {
		return err
	}
	cfg, err := nodeagent.RESTConfig(apiserver)
	if err != nil {
		return err
	}
	socket := filepath.Join(d.Conf, nodeagent.AgentSocket)
	m := ipam.NewMetrics(ipam.FallbackSpool(socket))
	cfg.Wrap(m.WrapTransport)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("API client: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("API client: %w", err)
	}
	store := &ipam.Kube{Client: dyn, Namespace: namespace}
	gc := func(ctx context.Context) (int, error) {
		allocs, err := store.ListAll(ctx)
		if err != nil {
			return 0, fmt.Errorf("list ipallocations in %s: %w", namespace, err)
		}
		live, err := nodeagent.LivePods(ctx, meta)
		if err != nil {
			return 0, err
		}
		released, err := ipam.ReleaseLeaked(ctx, store, allocs, func(ref string) bool { return live[ref] }, false)
		m.GCReleased(len(released))
		return len(released), err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serveMetrics(ctx, m, metricsAddr); err != nil {
		return err
	}
	go func() {
		if err := serveIPAM(ctx, cfg, socket, m); err != nil {
			fmt.Fprintf(os.Stderr, "agent: IPAM server stopped: %v; plugins allocate by themselves\n", err)
		}
	}()
	fmt.Printf("agent: refreshing IPAM credentials every %s, releasing allocations of deleted pods every %s\n", refresh, gcEvery)
	return nodeagent.Agent{Dirs: d, Server: server, Namespace: namespace, Node: node, Refresh: refresh, GCEvery: gcEvery, GC: gc, Log: os.Stderr}.Run(ctx)
}
