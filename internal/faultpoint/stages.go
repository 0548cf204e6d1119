package faultpoint

// Stages of an IPAM ADD.
const (
	// IPAMBeforeAllocate is after the config is read, before anything is written.
	IPAMBeforeAllocate = "ipam-add-before-allocate"
	// IPAMAllocated is after the address is recorded in the API, before the result is printed.
	IPAMAllocated = "ipam-add-allocated"
)

// Stages of `kubectl multinet logs` on a node.
const (
	// LogsDiscoveryPod is after the debug pod that reads the node's CNI configs is created.
	LogsDiscoveryPod = "logs-discovery-pod"
	// LogsTailPod is after the debug pod that tails the log files is created.
	LogsTailPod = "logs-tail-pod"
	// LogsStreaming is after the tail pod started, before its log is read.
	LogsStreaming = "logs-streaming"
)

// LogsStages are the stages of logs in order.
func LogsStages() []string { return []string{LogsDiscoveryPod, LogsTailPod, LogsStreaming} }

// Tag is the build tag that turns the marks on.
const Tag = "multinet_faultpoints"

// Env names the stage a faultpoint build stops at.
const Env = "MULTINET_FAULTPOINT"

// Said is the line such a build writes to stderr when it stops at stage.
func Said(stage string) string { return "faultpoint: " + stage }
