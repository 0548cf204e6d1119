// Package cluster reads what inspection needs from a live cluster, cheaply: pods as a paginated
// server-side Table with metadata only (annotations plus the node, status and IP columns, no pod
// specs), and the NetworkAttachmentDefinitions they refer to.
package cluster
