package connectivity

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// Execer runs multinet-cni with args in an ephemeral container of pod ns/name and returns its
// output (probe.Runner.Output; raw asks for NET_RAW).
type Execer func(ctx context.Context, ns, name string, args []string, raw bool) ([]byte, error)

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

// Run pings, from each member of each plan, every other member over the network's interface, at most
// parallel pods at once; progress, when set, is told after each pod.
func Run(ctx context.Context, exec Execer, plans []Plan, parallel int, progress func(done, total int)) ([]Result, error) {
	results := make([]Result, len(plans))
	total := 0
	for _, p := range plans {
		total += len(p.Members)
	}
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for i, p := range plans {
		results[i] = Result{Network: p.Network, Plan: p, Sampled: p.Sampled()}
		for _, from := range p.Members {
			g.Go(func() error {
				pairs, err := fromMember(gctx, exec, p, from)
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				results[i].Pairs = append(results[i].Pairs, pairs...)
				done++
				if progress != nil {
					progress(done, total)
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
	return results, nil
}

// fromMember pings the other members from one.
func fromMember(ctx context.Context, exec Execer, p Plan, from Member) ([]Pair, error) {
	args := []string{"probe", "ping", "--iface", from.Interface, "--count", "3"}
	if p.Network.MTU > 0 {
		args = append(args, "--mtu", strconv.Itoa(p.Network.MTU))
	}
	var targets []Member
	for _, to := range p.Members {
		if to.Key() != from.Key() {
			targets = append(targets, to)
			args = append(args, to.IP)
		}
	}
	out, err := exec(ctx, from.Namespace, from.Pod, args, true)
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
		cause := Cause(p.Network, from, to, r)
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
