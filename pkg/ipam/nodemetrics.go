package ipam

import (
	"fmt"
	"io"
	"math"
	"sort"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// NodeFigures is what one node agent's metrics say (ipam usage --nodes).
type NodeFigures struct {
	Node string `json:"node"`
	// Allocated and Released count successful operations; Errors failed ones.
	Allocated  float64 `json:"allocated"`
	Released   float64 `json:"released"`
	Errors     float64 `json:"errors"`
	Fallbacks  float64 `json:"fallbacks"`
	GCReleased float64 `json:"gcReleased"`
	APIErrors  float64 `json:"apiErrors"`
	// AllocateP50 and AllocateP99 are seconds, estimated from the histogram's buckets (agent path).
	AllocateP50 float64 `json:"allocateP50Seconds"`
	AllocateP99 float64 `json:"allocateP99Seconds"`
	// Problem says why the figures could not be read.
	Problem string `json:"problem,omitempty"`
}

// ParseNodeMetrics reads an agent's metrics in the Prometheus text format.
func ParseNodeMetrics(node string, r io.Reader) (NodeFigures, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return NodeFigures{}, fmt.Errorf("the metrics of node %s do not parse: %w", node, err)
	}
	f := NodeFigures{Node: node}
	for _, m := range families["multinet_ipam_operations_total"].GetMetric() {
		v := m.GetCounter().GetValue()
		switch labels := labelMap(m); {
		case labels["result"] != "ok":
			f.Errors += v
		case labels["op"] == "allocate":
			f.Allocated += v
		case labels["op"] == "release":
			f.Released += v
		}
	}
	f.Fallbacks = sum(families["multinet_ipam_fallbacks_total"])
	f.GCReleased = sum(families["multinet_ipam_gc_released_total"])
	f.APIErrors = sum(families["multinet_ipam_api_errors_total"])
	for _, m := range families["multinet_ipam_operation_duration_seconds"].GetMetric() {
		if l := labelMap(m); l["op"] == "allocate" && l["path"] == "agent" {
			f.AllocateP50, f.AllocateP99 = quantile(m.GetHistogram(), 0.5), quantile(m.GetHistogram(), 0.99)
		}
	}
	return f, nil
}

func labelMap(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func sum(f *dto.MetricFamily) float64 {
	var s float64
	for _, m := range f.GetMetric() {
		s += m.GetCounter().GetValue()
	}
	return s
}

// quantile estimates q from h's cumulative buckets as PromQL's histogram_quantile does: linear
// within the bucket that holds it; NaN when h is empty, the highest finite bound when q falls in
// the +Inf bucket.
func quantile(h *dto.Histogram, q float64) float64 {
	n := float64(h.GetSampleCount())
	if n == 0 {
		return math.NaN()
	}
	buckets := h.GetBucket()
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].GetUpperBound() < buckets[j].GetUpperBound() })
	rank := q * n
	lower, below := 0.0, 0.0
	for _, b := range buckets {
		count := float64(b.GetCumulativeCount())
		if count >= rank {
			if count == below {
				return b.GetUpperBound()
			}
			return lower + (b.GetUpperBound()-lower)*(rank-below)/(count-below)
		}
		lower, below = b.GetUpperBound(), count
	}
	return lower
}
