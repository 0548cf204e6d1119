package doctor

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// sandboxClass is one kind of sandbox failure, recognised by its message text.
type sandboxClass struct {
	code, name, summary, fix string
	match                    *regexp.Regexp
}

// sandboxClasses are tried in order; the last one catches any message mentioning Multus or CNI.
var sandboxClasses = []sandboxClass{
	{"MN5001", "CNIPluginNotFound", "A sandbox failed because a CNI plugin binary is missing on the node",
		"install the plugin on every node (kubectl multinet install for multinet's), or fix binDir; on GKE the bin dir is /home/kubernetes/bin",
		regexp.MustCompile(`failed to find plugin "[^"]*" in path`)},
	{"MN5002", "MasterInterfaceNotFound", "A sandbox failed because the NAD's master interface does not exist on the node",
		"set the NAD's \"master\" to an interface every selected node has (ip link on the node), or restrict the NAD with k8s.v1.cni.cncf.io/nodeSelector",
		regexp.MustCompile(`(?i)failed to lookup master|Link not found|master interface .* not found`)},
	{"MN5003", "IPAllocationFailed", "A sandbox failed because the IPAM could not allocate an address",
		"free addresses (kubectl multinet ipam gc, whereabouts reconciler), widen the range, or check the IPAM can reach the API server",
		regexp.MustCompile(`(?i)Could not allocate IP in range|no IP addresses available|time limit exceeded while waiting to become leader|error at storage engine|failed to allocate (an )?IP|IPAM.*(exhausted|failed)`)},
	{"MN5004", "MultusUnauthorized", "Multus' credentials were rejected by the API server",
		"restart the Multus DaemonSet pods so they renew their token, and check Multus' kubeconfig and RBAC (multus #852, #1263)",
		regexp.MustCompile(`(?i)multus.*Unauthorized|error getting pod: Unauthorized|Unauthorized`)},
	{"MN5005", "DefaultNetworkNotReady", "Multus waited for the default network's readiness indicator, or its config, and gave up",
		"make the cluster network (the primary CNI) ready on the node; check readinessindicatorfile in Multus' config (multus #402, #581)",
		regexp.MustCompile(`(?i)readinessindicator|have you checked that your default network is ready|Attemping to find master plugin configuration|Attempting to find master plugin configuration`)},
	{"MN5006", "MultusDaemonUnreachable", "The Multus shim could not reach the Multus daemon on the node",
		"check that the Multus thick DaemonSet pod on the node is running (multus #1165)",
		regexp.MustCompile(`multus\.sock|multus-shim.*connection refused`)},
	{"MN5007", "SandboxNetworkError", "A sandbox failed in Multus or a CNI plugin for another reason",
		"read the full message (kubectl describe pod) and kubectl multinet logs pod/NAME",
		regexp.MustCompile(`(?i)multus|\bCNI\b|plugin type=|network: `)},
}

// sandboxReasons are the event reasons that carry sandbox network failures.
var sandboxReasons = map[string]bool{"FailedCreatePodSandBox": true}

func eventChecks() []Check {
	var out []Check
	for i := range sandboxClasses {
		c := sandboxClasses[i]
		out = append(out, Check{Code: c.code, Name: c.name, Severity: Error, Needs: []Input{InEvents}, Summary: c.summary,
			Run: func(m *Model, r *Reporter) { checkSandboxEvents(m, r, c.code) }})
	}
	return out
}

// classify returns the code of the first class whose pattern matches msg, or "".
func classify(msg string) string {
	for _, c := range sandboxClasses {
		if c.match.MatchString(msg) {
			return c.code
		}
	}
	return ""
}

func classByCode(code string) sandboxClass {
	for _, c := range sandboxClasses {
		if c.code == code {
			return c
		}
	}
	return sandboxClass{}
}

// eventCache holds the sandbox class of each of a model's events.
type eventCache struct {
	once  sync.Once
	codes []string
}

// eventClasses is the sandbox class of each of m.Events ("" for none), classified once a model, not
// once a check (each class is a check of its own) and not again for a model WithPods derives.
func (m *Model) eventClasses() []string {
	m.eventCache.once.Do(func() {
		codes := make([]string, len(m.Events))
		for i, e := range m.Events {
			if sandboxReasons[e.Reason] && e.InvolvedObject.Kind == "Pod" {
				codes[i] = classify(e.Message)
			}
		}
		m.eventCache.codes = codes
	})
	return m.eventCache.codes
}

// checkSandboxEvents reports, for pods still not running, the newest sandbox failure of class code.
func checkSandboxEvents(m *Model, r *Reporter, code string) {
	newest := map[string]*corev1.Event{}
	classes := m.eventClasses()
	for i, e := range m.Events {
		if classes[i] != code {
			continue
		}
		key := e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Name
		if p := m.Pod(key); p != nil && p.Phase == "Running" && p.Attached() {
			continue // recovered since
		}
		if old, ok := newest[key]; !ok || eventTime(e).After(eventTime(old)) {
			newest[key] = e
		}
	}
	keys := make([]string, 0, len(newest))
	for k := range newest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	c := classByCode(code)
	for _, k := range keys {
		e := newest[k]
		count := ""
		if e.Count > 1 {
			count = fmt.Sprintf(" (%d times)", e.Count)
		}
		r.Report(Object{Kind: "Pod", Namespace: e.InvolvedObject.Namespace, Name: e.InvolvedObject.Name}, c.fix,
			"sandbox creation failed%s: %s", count, trimMessage(e.Message))
	}
}

// eventTime is when the event last happened.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}

// trimMessage keeps the informative tail of long kubelet messages.
func trimMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	const max = 400
	if len(msg) > max {
		return "..." + msg[len(msg)-max:]
	}
	return msg
}
