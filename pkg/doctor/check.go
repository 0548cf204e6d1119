package doctor

import (
	"fmt"
	"sort"
)

// Input is one kind of data a check reads.
type Input string

// The inputs. A check runs only when all it needs was read.
const (
	InPods        Input = "pods"
	InAllPods     Input = "pods in all namespaces"
	InNADs        Input = "network-attachment-definitions"
	InIPPools     Input = "whereabouts ippools"
	InAllocations Input = "multinet ipallocations"
	// InPools is present when either kind of pool (whereabouts IPPools, multinet IPAllocations) was read.
	InPools        Input = "ip pools"
	InORIPs        Input = "whereabouts overlappingrangeipreservations"
	InEvents       Input = "events"
	InNodes        Input = "nodes"
	InDaemonSets   Input = "daemonsets"
	InClusterRoles Input = "clusterroles"
	InIPRoutes     Input = "gkeiproutes"
	InAPIGroups    Input = "API groups (CRDs)"
	InClaims       Input = "resourceclaims"
)

// Inputs are every input a dump or a cluster can provide, in the order they are named.
func Inputs() []Input {
	return []Input{InPods, InNADs, InIPPools, InAllocations, InORIPs, InEvents, InNodes, InDaemonSets, InDaemonPods, InClusterRoles, InIPRoutes, InClaims, InAPIGroups}
}

// Absent lists the inputs of Inputs that m lacks.
func (m *Model) Absent() []Input {
	var out []Input
	for _, in := range Inputs() {
		if !m.Has(in) {
			out = append(out, in)
		}
	}
	return out
}

// Check is one named diagnostic.
type Check struct {
	Code     string
	Name     string
	Severity Severity
	// Summary is the one-line description listed by --list and used as the page title.
	Summary string
	Needs   []Input
	Run     func(m *Model, r *Reporter)
}

// Reporter collects the findings of one check.
type Reporter struct {
	check    *Check
	findings []Finding
}

// Report records a finding at the check's severity.
func (r *Reporter) Report(obj Object, fix, format string, args ...any) {
	r.ReportAt(r.check.Severity, obj, fix, format, args...)
}

// ReportAt records a finding at severity s (for checks whose severity depends on configuration).
func (r *Reporter) ReportAt(s Severity, obj Object, fix, format string, args ...any) {
	r.findings = append(r.findings, Finding{Code: r.check.Code, Name: r.check.Name, Severity: s, Object: obj,
		Message: fmt.Sprintf(format, args...), Fix: fix})
}

// Result is the outcome of running the checks.
type Result struct {
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	// Skipped lists checks that did not run, with the inputs they lacked.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Skipped is a check that did not run.
type Skipped struct {
	Code    string  `json:"code"`
	Name    string  `json:"name"`
	Missing []Input `json:"missing"`
}

// Run runs every check whose inputs the model has. A check that panics on an unexpected object
// becomes one finding of its own; the other checks still run.
func Run(m *Model, checks []Check) Result {
	var res Result
	for i := range checks {
		c := &checks[i]
		if missing := m.missing(c.Needs); len(missing) > 0 {
			res.Skipped = append(res.Skipped, Skipped{Code: c.Code, Name: c.Name, Missing: missing})
			continue
		}
		r := &Reporter{check: c}
		runOne(c, m, r)
		res.Findings = append(res.Findings, r.findings...)
	}
	Sort(res.Findings)
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	res.Summary = Summarize(res.Findings)
	return res
}

func runOne(c *Check, m *Model, r *Reporter) {
	defer func() {
		if p := recover(); p != nil {
			r.ReportAt(Error, Object{Kind: "Check", Name: c.Code}, "report this as a kubectl-multinet bug with the input that caused it",
				"check %s crashed: %v", c.Name, p)
		}
	}()
	c.Run(m, r)
}

// Lookup finds a check by code.
func Lookup(checks []Check, code string) (*Check, bool) {
	for i := range checks {
		if checks[i].Code == code {
			return &checks[i], true
		}
	}
	return nil, false
}

// Codes lists the codes of checks, sorted.
func Codes(checks []Check) []string {
	out := make([]string, 0, len(checks))
	for _, c := range checks {
		out = append(out, c.Code)
	}
	sort.Strings(out)
	return out
}
