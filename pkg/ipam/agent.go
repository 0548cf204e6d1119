package ipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
)

// The node agent (multinet-cni node agent) serves allocations over a unix socket with one warm API
// client, so that a plugin process does not pay for its own kubeconfig, TLS handshake and HTTP/2
// connection on every ADD and DEL. The plugin reads its config (flat file included) on the host and
// sends the merged config; the agent allocates exactly as the plugin would. When the socket is not
// configured or does not answer, the plugin allocates itself: both paths are idempotent per owner,
// so a request cut off half way is safe to repeat.

// AgentRequest is one allocation or release.
type AgentRequest struct {
	// Op is "allocate" or "release".
	Op     string `json:"op"`
	Config Config `json:"config"`
	Owner  Owner  `json:"owner"`
}

// AgentResponse is the outcome: the allocated prefix, or the allocator's error.
type AgentResponse struct {
	Prefix string `json:"prefix,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Server answers AgentRequests with Client.
type Server struct {
	Client  dynamic.Interface
	Timeout time.Duration
	// Metrics, when set, counts what it serves.
	Metrics *Metrics
	// Cache, when set, keeps the networks the server had to scan in memory (nearly full ranges).
	Cache *NetworkCache
}

// Serve accepts connections until ctx ends, one request per connection.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accept on %s: %w", l.Addr(), err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, conn)
		}()
	}
}

func (s *Server) handle(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(s.Timeout + 5*time.Second))
	var req AgentRequest
	if err := json.NewDecoder(io.LimitReader(conn, 1<<20)).Decode(&req); err != nil {
		_ = json.NewEncoder(conn).Encode(AgentResponse{Error: "agent: bad request: " + err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	start := time.Now()
	resp := s.run(ctx, req)
	if req.Op == "allocate" || req.Op == "release" {
		var err error
		if resp.Error != "" {
			err = errors.New(resp.Error)
		}
		s.Metrics.Observe(req.Op, networkLabel(&req.Config), "agent", time.Since(start), err)
	}
	_ = json.NewEncoder(conn).Encode(resp)
}

func (s *Server) run(ctx context.Context, req AgentRequest) AgentResponse {
	conf, err := parseConfig(&req.Config)
	if err != nil {
		return AgentResponse{Error: err.Error()}
	}
	var store Store = &Kube{Client: s.Client, Namespace: conf.Namespace}
	if s.Cache != nil {
		store = &cachedKube{Kube: store.(*Kube), cache: s.Cache}
	}
	a := newAllocator(store, conf)
	switch req.Op {
	case "allocate":
		_, prefix, err := a.Allocate(ctx, req.Owner)
		if err != nil {
			return AgentResponse{Error: err.Error()}
		}
		return AgentResponse{Prefix: prefix.String()}
	case "release":
		if err := a.Release(ctx, req.Owner); err != nil {
			return AgentResponse{Error: err.Error()}
		}
		return AgentResponse{}
	}
	return AgentResponse{Error: fmt.Sprintf("agent: unknown op %q", req.Op)}
}

// errAgentDown says the agent could not be asked; the caller allocates itself.
var errAgentDown = errors.New("agent unavailable")

// askAgent sends one request to the agent at socket. It returns errAgentDown (wrapped) when the
// agent cannot be reached or the exchange breaks, else the allocator's own error, if any.
func askAgent(socket string, req AgentRequest, timeout time.Duration) (netip.Prefix, error) {
	conn, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: %v", errAgentDown, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout + 5*time.Second))
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: %v", errAgentDown, err)
	}
	var resp AgentResponse
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: %v", errAgentDown, err)
	}
	if resp.Error != "" {
		return netip.Prefix{}, errors.New(resp.Error)
	}
	if req.Op != "allocate" {
		return netip.Prefix{}, nil
	}
	p, err := netip.ParsePrefix(resp.Prefix)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: bad prefix %q", errAgentDown, resp.Prefix)
	}
	return p, nil
}

// ServingLine is what the agent writes to stderr once it accepts requests on socket.
func ServingLine(socket string) string { return "agent: serving multinet-ipam on " + socket }
