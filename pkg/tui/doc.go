// Package tui is `kubectl multinet tui`: a Bubble Tea program over the inspect model and the doctor
// findings, with views of pods, networks, the topology and the findings, a detail view per pod,
// filtering, and a refresh on a tick that never overlaps itself.
package tui
