// Package cli holds what every kubectl-multinet command shares about exit codes: usage errors exit
// 2, failures 1, and some exits carry no message of their own.
package cli

import "fmt"

// UsageError is a mistake in flags or arguments; commands exit 2 on it.
type UsageError struct{ Msg string }

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

// ExitCode is 2.
func (e *UsageError) ExitCode() int { return 2 }

// ExitError ends the command with Code. Silent ones print nothing more (the output said it all).
type ExitError struct {
	Code   int
	Msg    string
	Silent bool
	Err    error
}

// Error returns the message.
func (e *ExitError) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the cause.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns Code.
func (e *ExitError) ExitCode() int { return e.Code }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}
