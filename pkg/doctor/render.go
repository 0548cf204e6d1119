package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
)

// report is the `-o json|yaml` object (docs/doctor.md).
type report struct {
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	Skipped  []Skipped `json:"skipped,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
}

// Styles colours the text output; the zero value prints plain text.
type Styles struct {
	Error, Warning, Info, Dim func(string) string
}

// ANSI is Styles with terminal colours.
func ANSI() Styles {
	wrap := func(code string) func(string) string {
		return func(s string) string { return "\x1b[" + code + "m" + s + "\x1b[0m" }
	}
	return Styles{Error: wrap("31;1"), Warning: wrap("33"), Info: wrap("36"), Dim: wrap("2")}
}

func (s Styles) apply(f func(string) string, v string) string {
	if f == nil {
		return v
	}
	return f(v)
}

// PrintText writes one finding a line, `Error [MN3002] (Pod ns/name) message`, an indented fix line,
// then the skipped checks and a summary line.
func PrintText(w io.Writer, res Result, notes []string, st Styles) error {
	var b strings.Builder
	for _, f := range res.Findings {
		level := f.Severity.String()
		switch f.Severity {
		case Error:
			level = st.apply(st.Error, level)
		case Warning:
			level = st.apply(st.Warning, level)
		default:
			level = st.apply(st.Info, level)
		}
		fmt.Fprintf(&b, "%s [%s] (%s) %s\n", level, f.Code, f.Object, f.Message)
		fmt.Fprintf(&b, "    %s %s\n", st.apply(st.Dim, "fix:"), f.Fix)
	}
	for _, n := range notes {
		fmt.Fprintf(&b, "%s\n", st.apply(st.Dim, "note: "+n))
	}
	if len(res.Skipped) > 0 {
		var codes []string
		for _, s := range res.Skipped {
			codes = append(codes, s.Code)
		}
		fmt.Fprintf(&b, "%s\n", st.apply(st.Dim, fmt.Sprintf("skipped %d checks for lack of input: %s (-o json lists what each lacked)", len(res.Skipped), strings.Join(codes, " "))))
	}
	s := res.Summary
	if s.Errors+s.Warnings+s.Info == 0 {
		fmt.Fprintf(&b, "No problems found.\n")
	} else {
		fmt.Fprintf(&b, "%d error(s), %d warning(s), %d info.\n", s.Errors, s.Warnings, s.Info)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PrintJSON writes the report as indented JSON.
func PrintJSON(w io.Writer, res Result, notes []string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report{Findings: res.Findings, Summary: res.Summary, Skipped: res.Skipped, Notes: notes})
}

// PrintYAML writes the report as YAML.
func PrintYAML(w io.Writer, res Result, notes []string) error {
	b, err := yaml.Marshal(report{Findings: res.Findings, Summary: res.Summary, Skipped: res.Skipped, Notes: notes})
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// StylesFor colours output for w when it is a terminal and NO_COLOR is unset.
func StylesFor(w io.Writer) Styles {
	if cli.Color(w) {
		return ANSI()
	}
	return Styles{}
}
