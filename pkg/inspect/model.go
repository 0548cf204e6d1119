package inspect

// State says how one interface of a pod relates to what the pod asked for.
type State string

// The states of an interface.
const (
	// StateDefault is the cluster (default) network.
	StateDefault State = "default"
	// StateAttached is a requested network present in the pod's status.
	StateAttached State = "attached"
	// StateMissing is a requested network absent from the pod's status.
	StateMissing State = "missing"
	// StateUnrequested is a network in the status that the pod did not ask for.
	StateUnrequested State = "unrequested"
)

// PodMeta is what inspection needs of a pod: identity, placement and annotations.
type PodMeta struct {
	Namespace   string
	Name        string
	Node        string
	Phase       string
	PodIPs      []string
	Labels      map[string]string
	Annotations map[string]string
	// Claims are the ResourceClaims the pod's status.resourceClaimStatuses names.
	Claims []string
}

// PodChanges are the pods that changed since some point: the new metadata of each pod created or
// changed, and the keys (namespace/name) of the pods deleted.
type PodChanges struct {
	Changed []PodMeta
	Deleted []string
	// All says the changes are not known one by one (the pods were listed again): read every pod.
	All bool
}

// Empty reports whether there is no change.
func (c PodChanges) Empty() bool { return !c.All && len(c.Changed) == 0 && len(c.Deleted) == 0 }

// Pod is the network view of one pod.
type Pod struct {
	Namespace  string      `json:"namespace"`
	Name       string      `json:"name"`
	Node       string      `json:"node"`
	Phase      string      `json:"phase"`
	Interfaces []Interface `json:"interfaces"`
	// Problems are annotation errors found while inspecting the pod, one sentence each.
	Problems []string `json:"problems,omitempty"`
	// Requests are the networks the pod asked for, in annotation order.
	Requests []Request `json:"-"`
	// StatusSource is the annotation the interfaces were read from ("" when none).
	StatusSource string `json:"-"`
	// ClaimNames are the ResourceClaims the pod's status names.
	ClaimNames []string `json:"-"`
}

// Interface is one network of a pod: present in its status, or requested and missing.
type Interface struct {
	// Network is the NAD as namespace/name (a GKE network by name); "" for the cluster default network.
	Network   string   `json:"network"`
	Interface string   `json:"interface"`
	IPs       []string `json:"ips"`
	MAC       string   `json:"mac"`
	Default   bool     `json:"default"`
	State     State    `json:"state"`
	// Config is a one-line summary of the NAD's CNI config, or why it is unknown.
	Config string `json:"config,omitempty"`
	// StatusName is the network name exactly as the status annotation wrote it.
	StatusName string `json:"-"`
	// HasDeviceInfo is set when the status entry describes a device (SR-IOV, vhost-user, ...).
	HasDeviceInfo bool `json:"-"`
	// Claim is the DRA ResourceClaim and request of a claimed device ("" for Multus and GKE).
	Claim string `json:"claim,omitempty"`
	// Device is the claimed device as driver/pool/device.
	Device string `json:"device,omitempty"`
	// Reason says why a claimed device is not attached.
	Reason string `json:"reason,omitempty"`
}

// Attached reports whether the pod asked for networks and got all of them.
func (p *Pod) Attached() bool {
	for _, i := range p.Interfaces {
		if i.State == StateMissing {
			return false
		}
	}
	return len(p.Problems) == 0
}
