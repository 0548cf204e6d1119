// Package doctor runs coded diagnostics over a multi-network cluster, or a dump of one: each check
// is a named, independent unit that reads the shared Model and reports Findings with a stable code
// (MN1001 ...), a severity, the object concerned, a message and a fix, the way istioctl analyze does.
package doctor
