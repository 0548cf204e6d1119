package doctor

import "time"

// All returns every check, in code order. now is the clock the time-based checks use.
func All(now func() time.Time) []Check {
	var out []Check
	for _, group := range [][]Check{setupChecks(), daemonChecks(), credentialChecks(now), nadChecks(), podChecks(), poolChecks(), eventChecks(), gkeChecks(now)} {
		out = append(out, group...)
	}
	return out
}
