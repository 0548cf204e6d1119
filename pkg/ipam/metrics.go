package ipam

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodeagent"
)

// Metrics are the node agent's Prometheus metrics (docs/metrics.md). Allocations served by the
// agent are counted there; a plugin that falls back to allocating itself appends one line to the
// fallback spool next to the agent's socket (FallbackSpool), which the agent reads on each scrape,
// so that fallbacks made while it was down are counted once it is back.
type Metrics struct {
	Registry *prometheus.Registry
	// Spool is the fallback spool the agent reads.
	Spool string

	ops        *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	fallbacks  *prometheus.CounterVec
	gcReleased prometheus.Counter
	apiErrors  *prometheus.CounterVec

	mu     sync.Mutex
	offset int64
}

// NewMetrics registers the metrics on a registry of their own (no process-wide state).
func NewMetrics(spool string) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Spool:    spool,
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "multinet_ipam_operations_total",
			Help: "Allocations and releases by operation (allocate, release), network (network_name, else the range), path (agent, direct) and result (ok, error)."},
			[]string{"op", "network", "path", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "multinet_ipam_operation_duration_seconds",
			Help:    "Time an ADD (allocate) or DEL (release) spent in the IPAM, by operation and path: measured by the agent for the agent path, by the plugin for the direct path.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"op", "path"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "multinet_ipam_fallbacks_total",
			Help: "Operations a plugin ran itself because the agent did not answer, by operation."}, []string{"op"}),
		gcReleased: prometheus.NewCounter(prometheus.CounterOpts{Name: "multinet_ipam_gc_released_total",
			Help: "Allocations of deleted pods the agent's periodic garbage collection released."}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "multinet_ipam_api_errors_total",
			Help: "API server responses of 400 and above other than 404 (absent objects are looked up on purpose), and requests that got no response, by reason."},
			[]string{"reason"}),
	}
	m.Registry.MustRegister(m.ops, m.duration, m.fallbacks, m.gcReleased, m.apiErrors)
	return m
}

// Observe counts one operation.
func (m *Metrics) Observe(op, network, path string, took time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.ops.WithLabelValues(op, network, path, result).Inc()
	m.duration.WithLabelValues(op, path).Observe(took.Seconds())
}

// GCReleased counts allocations released by garbage collection.
func (m *Metrics) GCReleased(n int) {
	if m != nil {
		m.gcReleased.Add(float64(n))
	}
}

// WrapTransport counts the API errors of the agent's client (rest.Config.WrapTransport).
func (m *Metrics) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		switch {
		case err != nil:
			m.apiErrors.WithLabelValues("NoResponse").Inc()
		case resp.StatusCode >= 400 && resp.StatusCode != http.StatusNotFound:
			m.apiErrors.WithLabelValues(reasonOf(resp.StatusCode)).Inc()
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// reasonOf names an HTTP status as the API server's StatusReason does.
func reasonOf(code int) string {
	switch code {
	case 400:
		return "BadRequest"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 409:
		return "Conflict"
	case 410:
		return "Expired"
	case 422:
		return "Invalid"
	case 429:
		return "TooManyRequests"
	case 500:
		return "InternalError"
	case 503:
		return "ServiceUnavailable"
	case 504:
		return "Timeout"
	}
	return "HTTP" + strconv.Itoa(code)
}

// Handler serves the metrics in the Prometheus text format, reading the spool first.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = m.ReadSpool() // a spool that cannot be read leaves the counts as they were
		h.ServeHTTP(w, r)
	})
}

// FallbackSpool is the spool file next to the agent's socket.
func FallbackSpool(socket string) string {
	return filepath.Join(filepath.Dir(socket), nodeagent.FallbackSpool)
}

// fallback is one spool line.
type fallback struct {
	Op      string  `json:"op"`
	Network string  `json:"network"`
	Seconds float64 `json:"seconds"`
	Error   bool    `json:"error,omitempty"`
}

// recordFallback appends one line to the spool (one write, O_APPEND: lines of concurrent plugins
// do not interleave). It is best effort: a plugin never fails because of it.
func recordFallback(spool string, f fallback) {
	line, err := json.Marshal(f)
	if err != nil {
		return
	}
	file, err := os.OpenFile(spool, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	_, _ = file.Write(append(line, '\n'))
	_ = file.Close()
}

// maxSpoolRead bounds what one scrape reads of the spool.
const maxSpoolRead = 16 << 20

// ReadSpool counts the spool's lines written since the last read. A spool shorter than what was
// read (replaced) is read from its start.
func (m *Metrics) ReadSpool() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := os.Open(m.Spool)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read fallback spool: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read fallback spool: %w", err)
	}
	if st.Size() < m.offset {
		m.offset = 0
	}
	if _, err := f.Seek(m.offset, io.SeekStart); err != nil {
		return fmt.Errorf("read fallback spool: %w", err)
	}
	r := bufio.NewReader(io.LimitReader(f, maxSpoolRead))
	for {
		line, err := r.ReadBytes('\n')
		if err != nil { // a partial last line is read on the next scrape
			return nil
		}
		m.offset += int64(len(line))
		var fb fallback
		if json.Unmarshal(line, &fb) != nil || (fb.Op != "allocate" && fb.Op != "release") {
			continue
		}
		m.fallbacks.WithLabelValues(fb.Op).Inc()
		var ferr error
		if fb.Error {
			ferr = errors.New("failed")
		}
		m.Observe(fb.Op, fb.Network, "direct", time.Duration(fb.Seconds*float64(time.Second)), ferr)
	}
}

// networkLabel names conf's network in metrics: network_name, else its range.
func networkLabel(s *Config) string {
	switch {
	case s.NetworkName != "":
		return s.NetworkName
	case s.Range != "":
		return s.Range
	case len(s.IPRanges) > 0:
		return s.IPRanges[0].Range
	}
	return "unknown"
}
