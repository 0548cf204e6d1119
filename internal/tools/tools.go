//go:build tools

// Package tools pins the reference CNI plugins the tests build and run (static IPAM, sbr) in this
// module's go.sum.
package tools

import (
	_ "github.com/containernetworking/plugins/plugins/ipam/static"
	_ "github.com/containernetworking/plugins/plugins/meta/sbr"
)
