package doctor

// OnlyPods drops the pod findings whose pod keep rejects (pool and cluster findings stay).
func OnlyPods(res Result, keep func(namespace, name string) bool) Result {
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		if f.Object.Kind == "Pod" && !keep(f.Object.Namespace, f.Object.Name) {
			continue
		}
		kept = append(kept, f)
	}
	res.Findings = kept
	res.Summary = Summarize(kept)
	return res
}
