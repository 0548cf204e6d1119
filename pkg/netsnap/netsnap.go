// Package netsnap is the kernel's view of one network namespace: links, addresses, the routes of
// every table, policy rules and neighbours, as `kubectl multinet probe` reads it from inside a pod
// (`multinet-cni probe`, run in an ephemeral container that shares the pod's network namespace).
// It links no Kubernetes client, so the CNI binary that carries it stays small.
package netsnap

// Snapshot is what one namespace holds.
type Snapshot struct {
	Links     []Link     `json:"links"`
	Addrs     []Addr     `json:"addrs"`
	Routes    []Route    `json:"routes"`
	Rules     []Rule     `json:"rules"`
	Neighbors []Neighbor `json:"neighbors"`
	// Duplicates are other hosts that answered ARP for one of the addresses (only with probe --arp).
	Duplicates []Duplicate `json:"duplicates,omitempty"`
	// ARPChecked says the ARP probes were sent.
	ARPChecked bool `json:"arpChecked,omitempty"`
	// Errors name the parts that could not be read, each with why; the rest are still there.
	Errors []string `json:"errors,omitempty"`
}

// Link is one network interface.
type Link struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
	// Kind is the link type (veth, macvlan, ipvlan, device ...).
	Kind string `json:"kind"`
	// Up is the administrative state (IFF_UP); OperState is the kernel's (up, down, lowerlayerdown ...).
	Up        bool   `json:"up"`
	OperState string `json:"operState"`
	MTU       int    `json:"mtu"`
	MAC       string `json:"mac,omitempty"`
	// Master is the name of the link this one is enslaved to, when it is inside the namespace.
	Master string `json:"master,omitempty"`
}

// Addr is one address on a link, as CIDR.
type Addr struct {
	Link string `json:"link"`
	CIDR string `json:"cidr"`
}

// Route is one route of any table.
type Route struct {
	Table int `json:"table"`
	// Dst is a CIDR, or "default".
	Dst      string `json:"dst"`
	Gateway  string `json:"gateway,omitempty"`
	Dev      string `json:"dev,omitempty"`
	Src      string `json:"src,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	Metric   int    `json:"metric,omitempty"`
	// Family is 4 or 6.
	Family int `json:"family"`
}

// Rule is one policy routing rule.
type Rule struct {
	Priority int    `json:"priority"`
	Table    int    `json:"table"`
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	IIF      string `json:"iif,omitempty"`
	OIF      string `json:"oif,omitempty"`
	Family   int    `json:"family"`
}

// Neighbor is one ARP or NDP entry.
type Neighbor struct {
	Link  string `json:"link"`
	IP    string `json:"ip"`
	MAC   string `json:"mac,omitempty"`
	State string `json:"state"`
}

// Link returns the link named name, or nil.
func (s *Snapshot) Link(name string) *Link {
	for i := range s.Links {
		if s.Links[i].Name == name {
			return &s.Links[i]
		}
	}
	return nil
}

// AddrsOf returns the CIDRs on link name.
func (s *Snapshot) AddrsOf(name string) []string {
	var out []string
	for _, a := range s.Addrs {
		if a.Link == name {
			out = append(out, a.CIDR)
		}
	}
	return out
}

// Duplicate is another host on a link's segment that claims one of the namespace's addresses.
type Duplicate struct {
	Link string `json:"link"`
	IP   string `json:"ip"`
	// MAC is the other host's.
	MAC string `json:"mac"`
}

// PingResult is what one target did: echo replies, a full-size echo that must not be fragmented,
// and the neighbour entry left afterwards (ARP resolution).
type PingResult struct {
	IP       string `json:"ip"`
	Sent     int    `json:"sent"`
	Received int    `json:"received"`
	// RTTMicros is the mean round trip of the replies.
	RTTMicros int64 `json:"rttMicros,omitempty"`
	// MTUOK says whether an echo of MTU bytes with DF set came back; nil when not tried.
	MTUOK *bool `json:"mtuOK,omitempty"`
	// MAC and NeighborState are the neighbour entry for IP on the interface after the pings.
	MAC           string `json:"mac,omitempty"`
	NeighborState string `json:"neighborState,omitempty"`
	Error         string `json:"error,omitempty"`
}
