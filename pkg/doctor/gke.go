package doctor

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// stuckMutated is how long Mutated may last before it means a misconfiguration.
const stuckMutated = 5 * time.Minute

func gkeChecks(now func() time.Time) []Check {
	return []Check{
		{Code: "MN6001", Name: "IPRouteNoPodsFound", Severity: Warning, Needs: []Input{InIPRoutes},
			Summary: "A GKEIPRoute selects no pod that can take its addresses", Run: checkIPRouteNoPods},
		{Code: "MN6002", Name: "IPRouteStuckMutated", Severity: Warning, Needs: []Input{InIPRoutes},
			Summary: "A GKEIPRoute has been Mutated for more than 5 minutes", Run: func(m *Model, r *Reporter) { checkIPRouteMutated(m, r, now()) }},
		{Code: "MN6003", Name: "IPRouteNotReady", Severity: Error, Needs: []Input{InIPRoutes},
			Summary: "A GKEIPRoute is not Accepted, DPV2Ready or GCPReady", Run: checkIPRouteNotReady},
	}
}

func routeObject(rt *IPRoute) Object {
	return Object{Kind: "GKEIPRoute", Namespace: rt.Namespace, Name: rt.Name}
}

func checkIPRouteNoPods(m *Model, r *Reporter) {
	for _, rt := range m.IPRoutes {
		for _, c := range rt.Status.Conditions {
			if c.Reason == "NoPodsFound" {
				r.Report(routeObject(rt), "check the podSelector labels, that a selected pod exists and is Ready (reactionMode ReadyCondition) or scheduled (Exists)",
					"%s is %s with reason NoPodsFound: %s", c.Type, c.Status, orDefault(c.Message, "no pod matches"))
				break
			}
		}
	}
}

func checkIPRouteMutated(m *Model, r *Reporter, now time.Time) {
	for _, rt := range m.IPRoutes {
		for _, c := range rt.Status.Conditions {
			if c.Reason == "Mutated" && !c.LastTransitionTime.IsZero() && now.Sub(c.LastTransitionTime.Time) > stuckMutated {
				r.Report(routeObject(rt), "a long Mutated state means the route cannot be programmed: check spec.network, the Gateway in parentRefs and the addresses",
					"%s has been Mutated since %s (%s)", c.Type, c.LastTransitionTime.UTC().Format(time.RFC3339), now.Sub(c.LastTransitionTime.Time).Round(time.Minute))
				break
			}
		}
	}
}

// readinessConditions must be True on a working GKEIPRoute.
var readinessConditions = []string{"Accepted", "DPV2Ready", "GCPReady"}

func checkIPRouteNotReady(m *Model, r *Reporter) {
	for _, rt := range m.IPRoutes {
		for _, want := range readinessConditions {
			c := findCondition(rt.Status.Conditions, want)
			if c == nil || c.Status == metav1.ConditionTrue || c.Reason == "NoPodsFound" || c.Reason == "Mutated" {
				continue
			}
			r.Report(routeObject(rt), "fix what the condition's message names, then kubectl describe gkeiproute "+rt.Name,
				"%s is %s (%s): %q", c.Type, c.Status, orDefault(c.Reason, "no reason"), c.Message)
		}
	}
}

func findCondition(cs []metav1.Condition, t string) *metav1.Condition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
