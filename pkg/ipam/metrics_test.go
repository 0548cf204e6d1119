package ipam

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsSpool: fallbacks that plugins append are counted once each, across reads; a malformed
// line is skipped and a partial last line waits for the next read; a replaced spool is read from
// its start.
func TestMetricsSpool(t *testing.T) {
	spool := filepath.Join(t.TempDir(), "fallbacks.jsonl")
	m := NewMetrics(spool)
	if err := m.ReadSpool(); err != nil {
		t.Fatalf("no spool yet: %v", err)
	}
	recordFallback(spool, fallback{Op: "allocate", Network: "n3", Seconds: 0.02})
	recordFallback(spool, fallback{Op: "release", Network: "n3", Seconds: 0.01, Error: true})
	f, err := os.OpenFile(spool, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("not json\n{\"op\":\"allocate\",\"net")
	_ = f.Close()
	read := func() {
		t.Helper()
		if err := m.ReadSpool(); err != nil {
			t.Fatal(err)
		}
	}
	read()
	read()
	if a, r := testutil.ToFloat64(m.fallbacks.WithLabelValues("allocate")), testutil.ToFloat64(m.fallbacks.WithLabelValues("release")); a != 1 || r != 1 {
		t.Errorf("after two reads: %v allocate, %v release fallbacks; want 1 and 1", a, r)
	}
	if got := testutil.ToFloat64(m.ops.WithLabelValues("release", "n3", "direct", "error")); got != 1 {
		t.Errorf("failed direct release: %v, want 1", got)
	}
	f, _ = os.OpenFile(spool, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString("work\":\"n3\",\"seconds\":0.03}\n")
	_ = f.Close()
	read()
	if got := testutil.ToFloat64(m.fallbacks.WithLabelValues("allocate")); got != 2 {
		t.Errorf("once the partial line is complete: %v allocate fallbacks, want 2", got)
	}
	if err := os.WriteFile(spool, []byte(`{"op":"allocate","network":"n6","seconds":0.5}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	read()
	if got := testutil.ToFloat64(m.fallbacks.WithLabelValues("allocate")); got != 3 {
		t.Errorf("after the spool was replaced: %v allocate fallbacks, want 3", got)
	}
}

// TestMetricsAPIErrors: responses of 400 and above are counted by reason, except 404; a request
// without a response is NoResponse.
func TestMetricsAPIErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/conflict":
			w.WriteHeader(http.StatusConflict)
		case "/absent":
			w.WriteHeader(http.StatusNotFound)
		case "/throttled":
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	m := NewMetrics(filepath.Join(t.TempDir(), "spool"))
	client := &http.Client{Transport: m.WrapTransport(http.DefaultTransport)}
	for _, p := range []string{"/conflict", "/conflict", "/absent", "/throttled", "/ok"} {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	if _, err := client.Get(dead.URL); err == nil {
		t.Fatal("a closed server answered")
	}
	want := `
# HELP multinet_ipam_api_errors_total API server responses of 400 and above other than 404 (absent objects are looked up on purpose), and requests that got no response, by reason.
# TYPE multinet_ipam_api_errors_total counter
multinet_ipam_api_errors_total{reason="Conflict"} 2
multinet_ipam_api_errors_total{reason="NoResponse"} 1
multinet_ipam_api_errors_total{reason="TooManyRequests"} 1
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "multinet_ipam_api_errors_total"); err != nil {
		t.Error(err)
	}
}

// TestMetricsHandler: the handler reads the spool before it answers, and what the agent served
// shows by operation, network, path and result.
func TestMetricsHandler(t *testing.T) {
	spool := filepath.Join(t.TempDir(), "fallbacks.jsonl")
	m := NewMetrics(spool)
	m.Observe("allocate", "n3", "agent", 12*time.Millisecond, nil)
	m.GCReleased(4)
	recordFallback(spool, fallback{Op: "allocate", Network: "n3", Seconds: 0.2})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, line := range []string{
		`multinet_ipam_operations_total{network="n3",op="allocate",path="agent",result="ok"} 1`,
		`multinet_ipam_operations_total{network="n3",op="allocate",path="direct",result="ok"} 1`,
		`multinet_ipam_fallbacks_total{op="allocate"} 1`,
		`multinet_ipam_gc_released_total 4`,
		`multinet_ipam_operation_duration_seconds_bucket{op="allocate",path="agent",le="0.025"} 1`,
	} {
		if !strings.Contains(body, line) {
			t.Errorf("metrics lack %s:\n%s", line, body)
		}
	}
	if strings.Contains(body, "token") || strings.Contains(body, "kubeconfig") {
		t.Errorf("metrics mention credentials:\n%s", body)
	}
}

// TestParseNodeMetrics: an agent's scrape becomes a node's figures: successes by operation, errors,
// fallbacks, GC and API errors, and the allocate quantiles from the histogram (10 at 4 ms and 90
// at 8 ms: p50 in the 5-10 ms bucket, p99 near its top).
func TestParseNodeMetrics(t *testing.T) {
	m := NewMetrics(filepath.Join(t.TempDir(), "spool"))
	for i := range 100 {
		took := 8 * time.Millisecond
		if i < 10 {
			took = 4 * time.Millisecond
		}
		m.Observe("allocate", "n3", "agent", took, nil)
	}
	m.Observe("release", "n3", "agent", time.Millisecond, nil)
	m.Observe("allocate", "n6", "agent", time.Second, errTest)
	m.GCReleased(3)
	m.apiErrors.WithLabelValues("Conflict").Add(5)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	f, err := ParseNodeMetrics("node-a", rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if f.Allocated != 100 || f.Released != 1 || f.Errors != 1 || f.GCReleased != 3 || f.APIErrors != 5 || f.Fallbacks != 0 {
		t.Errorf("figures %+v", f)
	}
	// 101 allocate samples: 10 in (2.5,5] ms, 90 in (5,10] ms, 1 in (0.5,1] s.
	if f.AllocateP50 < 0.005 || f.AllocateP50 > 0.010 || f.AllocateP99 < 0.0095 || f.AllocateP99 > 0.010 {
		t.Errorf("p50 %v, p99 %v; want both in the 5-10 ms bucket, p99 near its top", f.AllocateP50, f.AllocateP99)
	}
	if _, err := ParseNodeMetrics("node-b", strings.NewReader("# TYPE x counter\nx{ 1\n")); err == nil || !strings.Contains(err.Error(), "node-b") {
		t.Errorf("garbage: %v, want an error naming the node", err)
	}
}

var errTest = os.ErrDeadlineExceeded

func FuzzParseNodeMetrics(f *testing.F) {
	f.Add("# TYPE multinet_ipam_operations_total counter\nmultinet_ipam_operations_total{op=\"allocate\",network=\"n3\",path=\"agent\",result=\"ok\"} 3\n")
	f.Add("# TYPE multinet_ipam_operation_duration_seconds histogram\nmultinet_ipam_operation_duration_seconds_bucket{op=\"allocate\",path=\"agent\",le=\"0.01\"} 2\nmultinet_ipam_operation_duration_seconds_bucket{op=\"allocate\",path=\"agent\",le=\"+Inf\"} 2\nmultinet_ipam_operation_duration_seconds_count{op=\"allocate\",path=\"agent\"} 2\nmultinet_ipam_operation_duration_seconds_sum{op=\"allocate\",path=\"agent\"} 0.01\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseNodeMetrics("n", strings.NewReader(s))
	})
}
