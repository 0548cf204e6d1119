package faultpoint

// Stages of an IPAM ADD.
const (
	// IPAMBeforeAllocate is after the config is read, before anything is written.
	IPAMBeforeAllocate = "ipam-add-before-allocate"
	// IPAMAllocated is after the address is recorded in the API, before the result is printed.
	IPAMAllocated = "ipam-add-allocated"
)

// Tag is the build tag that turns the marks on.
const Tag = "multinet_faultpoints"

// Env names the stage a faultpoint build stops at.
const Env = "MULTINET_FAULTPOINT"

// Said is the line such a build writes to stderr when it stops at stage.
func Said(stage string) string { return "faultpoint: " + stage }
