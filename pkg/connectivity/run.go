package connectivity

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// Execer runs multinet-cni with args in ephemeral containers of pod ns/name (probe.Runner); raw asks
// for NET_RAW.
type Execer interface {
	// Output waits for the container to exit and returns what it printed.
	Output(ctx context.Context, ns, name string, args []string, raw bool) ([]byte, error)
	// Start returns once the container runs and has printed its first line.
	Start(ctx context.Context, ns, name string, args []string, raw bool) error
}

// Options tune Run.
type Options struct {
	// Parallel bounds the pods pinging (or starting echo servers) at once.
	Parallel int
	// UDPPort is where the echo servers of ProtocolUDP plans listen.
	UDPPort int
	// Linger bounds how long an echo server waits for its peers to finish.
	Linger time.Duration
	// Progress, when set, is told after each pod has pinged.
	Progress func(done, total int)
	// Warn, when set, is told what could not be cleaned up (the test's results stand).
	Warn func(msg string)
}

// Pair is one direction between two members of a network.
type Pair struct {
	From     string `json:"from"`
	To       string `json:"to"`
	FromIP   string `json:"fromIP"`
	ToIP     string `json:"toIP"`
	OK       bool   `json:"ok"`
	Sent     int    `json:"sent"`
	Received int    `json:"received"`
	MTUOK    *bool  `json:"mtuOK,omitempty"`
	// MAC is what ARP resolved the target to.
	MAC   string `json:"mac,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// Result is one network's test.
type Result struct {
	Network
	Plan
	Pairs []Pair `json:"pairs"`
	// Sampled says only Plan.Members of Total attached pods were tested.
	Sampled bool `json:"sampled"`
}

// Run pings, from each member of each plan, every other member over the network's interface. For
// ProtocolUDP plans it first starts an echo server in every member.
func Run(ctx context.Context, exec Execer, plans []Plan, o Options) ([]Result, error) {
	if err := startEchoServers(ctx, exec, plans, o); err != nil {
		return nil, err
	}
	results := make([]Result, len(plans))
	total := 0
	for _, p := range plans {
		total += len(p.Members)
	}
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.Parallel, 1))
	for i, p := range plans {
		results[i] = Result{Network: p.Network, Plan: p, Sampled: p.Sampled()}
		for _, from := range p.Members {
			g.Go(func() error {
				pairs, err := fromMember(gctx, exec, p, from, o.UDPPort)
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				results[i].Pairs = append(results[i].Pairs, pairs...)
				done++
				if o.Progress != nil {
					o.Progress(done, total)
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i := range results {
		sortPairs(results[i].Pairs, results[i].Members)
	}
	stopEchoServers(ctx, exec, results, o)
	return results, nil
}

// stopEchoServers stops the echo servers that a peer could not reach: that peer's "done" was lost
// too, so they would otherwise run until o.Linger.
func stopEchoServers(ctx context.Context, exec Execer, results []Result, o Options) {
	var g errgroup.Group
	g.SetLimit(max(o.Parallel, 1))
	for _, r := range results {
		if r.Protocol != ProtocolUDP {
			continue
		}
		unreached := map[string]bool{}
		for _, p := range r.Pairs {
			if p.Received < p.Sent || p.Sent == 0 {
				unreached[p.To] = true
			}
		}
		for _, m := range r.Members {
			if !unreached[m.Key()] {
				continue
			}
			g.Go(func() error {
				args := []string{"probe", "echo-stop", "--ip", m.IP, "--port", strconv.Itoa(o.UDPPort)}
				if _, err := exec.Output(ctx, m.Namespace, m.Pod, args, false); err != nil && o.Warn != nil {
					o.Warn(fmt.Sprintf("network %s: the UDP echo server in pod %s may run until --timeout ends: %v", r.Network.Key, m.Key(), err))
				}
				return nil
			})
		}
	}
	_ = g.Wait()
}

// startEchoServers starts `multinet-cni probe echo` in every member of the UDP plans and returns
// once all listen. Each exits when the other members have finished pinging it, or after o.Linger.
func startEchoServers(ctx context.Context, exec Execer, plans []Plan, o Options) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.Parallel, 1))
	for _, p := range plans {
		if p.Protocol != ProtocolUDP {
			continue
		}
		for _, m := range p.Members {
			args := []string{"probe", "echo", "--iface", m.Interface, "--port", strconv.Itoa(o.UDPPort),
				"--peers", strconv.Itoa(len(p.Members) - 1), "--for", o.Linger.String()}
			g.Go(func() error {
				if err := exec.Start(gctx, m.Namespace, m.Pod, args, false); err != nil {
					return fmt.Errorf("network %s: start the UDP echo server: %w", p.Network.Key, err)
				}
				return nil
			})
		}
	}
	return g.Wait()
}

// fromMember pings the other members from one.
func fromMember(ctx context.Context, exec Execer, p Plan, from Member, udpPort int) ([]Pair, error) {
	args := []string{"probe", "ping", "--iface", from.Interface, "--count", "3"}
	if p.Network.MTU > 0 {
		args = append(args, "--mtu", strconv.Itoa(p.Network.MTU))
	}
	udp := p.Protocol == ProtocolUDP
	if udp {
		args = append(args, "--udp", strconv.Itoa(udpPort))
	}
	var targets []Member
	for _, to := range p.Members {
		if to.Key() != from.Key() {
			targets = append(targets, to)
			args = append(args, to.IP)
		}
	}
	out, err := exec.Output(ctx, from.Namespace, from.Pod, args, !udp)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", p.Network.Key, err)
	}
	var res []netsnap.PingResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(targets) {
		return nil, fmt.Errorf("network %s: the pings from pod %s did not print one result a target (is --image a multinet-cni image of this version?)", p.Network.Key, from.Key())
	}
	pairs := make([]Pair, 0, len(targets))
	for i, to := range targets {
		r := res[i]
		cause := Cause(p, from, to, r)
		pairs = append(pairs, Pair{From: from.Key(), To: to.Key(), FromIP: from.IP, ToIP: to.IP, OK: cause == "",
			Sent: r.Sent, Received: r.Received, MTUOK: r.MTUOK, MAC: r.MAC, Cause: cause})
	}
	return pairs, nil
}

// sortPairs orders pairs by the members' order, from then to.
func sortPairs(pairs []Pair, members []Member) {
	pos := map[string]int{}
	for i, m := range members {
		pos[m.Key()] = i
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if pos[pairs[i].From] != pos[pairs[j].From] {
			return pos[pairs[i].From] < pos[pairs[j].From]
		}
		return pos[pairs[i].To] < pos[pairs[j].To]
	})
}
