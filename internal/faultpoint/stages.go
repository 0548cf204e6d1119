package faultpoint

// Stages of an interface plugin's ADD (multinet-macvlan, multinet-ipvlan), around its IPAM's.
const (
	// LinkCreated is after the interface is created in the pod's namespace, before the IPAM runs.
	LinkCreated = "add-link-created"
	// Configured is after the addresses and routes are set on the interface, before the result is
	// printed.
	Configured = "add-configured"
)

// AddStages are the stages of an interface plugin's ADD with multinet-ipam, in order.
func AddStages() []string {
	return []string{LinkCreated, IPAMBeforeAllocate, IPAMAllocated, Configured}
}

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

// File is where a faultpoint build that a container runtime runs (whose environment a test cannot
// set) reads its stage when Env is unset: "STAGE" holds there as Env does; "STAGE kill" makes the
// process append STAGE to Held and SIGKILL itself there, as a kill -9 at that stage would.
const File = "/var/lib/cni/multinet-faultpoint"

// Held is where a faultpoint build records each stage it killed itself at.
const Held = File + ".held"

// Said is the line such a build writes to stderr when it stops at stage.
func Said(stage string) string { return "faultpoint: " + stage }
