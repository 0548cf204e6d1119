// Package inspect turns the multi-network annotations of pods and the NetworkAttachmentDefinitions they
// refer to into one model: for each pod, every network it asked for matched with the interface it got.
//
// Inputs come from the cluster (package cluster) or from a dump (package dump); renderers (status,
// doctor, tui) read only the model built here.
package inspect
