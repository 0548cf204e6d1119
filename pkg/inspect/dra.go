package inspect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Claim is a DRA ResourceClaim (resource.k8s.io v1, v1beta2 or v1beta1: the status fields read
// here are the same) as status reads it: whom it is reserved for, and its devices.
type Claim struct {
	Namespace, Name string
	// Allocated says the scheduler allocated devices to the claim.
	Allocated bool
	// ReservedFor are the names of the pods (of Namespace) the claim is reserved for.
	ReservedFor []string
	Devices     []ClaimDevice
}

// ClaimDevice is one allocated device, with what its driver reported of it.
type ClaimDevice struct {
	// Request is the claim's request the device was allocated for.
	Request, Driver, Pool, Device string
	// NetworkData is set when the driver reported the device's network data.
	NetworkData bool
	Interface   string
	// IPs are the addresses without their prefix length (the driver writes CIDRs).
	IPs []string
	MAC string
	// NotReady is why the device's Ready condition is False ("" when it is True or absent).
	NotReady string
}

// ClaimFromObject reads a ResourceClaim decoded from JSON or YAML. Fields of the wrong type are
// skipped; a claim always comes back.
func ClaimFromObject(obj map[string]any) Claim {
	meta, _ := obj["metadata"].(map[string]any)
	status, _ := obj["status"].(map[string]any)
	c := Claim{Namespace: str(meta, "namespace"), Name: str(meta, "name")}
	alloc, _ := status["allocation"].(map[string]any)
	devices, _ := alloc["devices"].(map[string]any)
	requests := map[string]string{}
	for _, r := range list(devices, "results") {
		c.Allocated = true
		requests[deviceKey(r)] = str(r, "request")
		c.Devices = append(c.Devices, ClaimDevice{Request: str(r, "request"), Driver: str(r, "driver"), Pool: str(r, "pool"), Device: str(r, "device")})
	}
	for _, ref := range list(status, "reservedFor") {
		if str(ref, "resource") == "pods" && str(ref, "name") != "" {
			c.ReservedFor = append(c.ReservedFor, str(ref, "name"))
		}
	}
	for _, d := range list(status, "devices") {
		i := slices.IndexFunc(c.Devices, func(x ClaimDevice) bool { return deviceKey(d) == x.Driver+"/"+x.Pool+"/"+x.Device })
		if i < 0 {
			c.Devices = append(c.Devices, ClaimDevice{Request: requests[deviceKey(d)], Driver: str(d, "driver"), Pool: str(d, "pool"), Device: str(d, "device")})
			i = len(c.Devices) - 1
		}
		dev := &c.Devices[i]
		if nd, ok := d["networkData"].(map[string]any); ok {
			dev.NetworkData, dev.Interface, dev.MAC = true, str(nd, "interfaceName"), str(nd, "hardwareAddress")
			ips, _ := nd["ips"].([]any)
			for _, v := range ips {
				if s, ok := v.(string); ok {
					dev.IPs = append(dev.IPs, withoutPrefix(s))
				}
			}
		}
		for _, cond := range list(d, "conditions") {
			if str(cond, "type") == "Ready" && str(cond, "status") == "False" {
				dev.NotReady = strings.TrimSpace(str(cond, "reason") + ": " + str(cond, "message"))
				dev.NotReady = strings.Trim(dev.NotReady, ": ")
				if dev.NotReady == "" {
					dev.NotReady = "Ready is False"
				}
			}
		}
	}
	return c
}

func deviceKey(m map[string]any) string {
	return str(m, "driver") + "/" + str(m, "pool") + "/" + str(m, "device")
}

func withoutPrefix(s string) string {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().String()
	}
	return s
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func list(m map[string]any, key string) []map[string]any {
	raw, _ := m[key].([]any)
	var out []map[string]any
	for _, v := range raw {
		if o, ok := v.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// AttachClaims adds a row for every device of the claims each pod uses: the claims its status
// names, and those reserved for it. A claim not allocated yet is one row in state missing. Claims
// are indexed once, so the cost grows with pods plus claims.
func AttachClaims(pods []Pod, claims []Claim) {
	if len(claims) == 0 {
		return
	}
	byName := make(map[string]int, len(claims))
	reserved := map[string][]int{}
	for i, c := range claims {
		byName[c.Namespace+"/"+c.Name] = i
		for _, pod := range c.ReservedFor {
			reserved[c.Namespace+"/"+pod] = append(reserved[c.Namespace+"/"+pod], i)
		}
	}
	for i := range pods {
		p := &pods[i]
		mine := append([]int(nil), reserved[p.Namespace+"/"+p.Name]...)
		for _, name := range p.ClaimNames {
			if j, ok := byName[p.Namespace+"/"+name]; ok && !slices.Contains(mine, j) {
				mine = append(mine, j)
			}
		}
		slices.Sort(mine)
		for _, j := range mine {
			p.Interfaces = append(p.Interfaces, claimRows(claims[j])...)
		}
	}
}

// claimRows are the interface rows of one claim.
func claimRows(c Claim) []Interface {
	if !c.Allocated {
		return []Interface{{Network: "claim:" + c.Name, IPs: []string{}, State: StateMissing, Claim: c.Name, Reason: "claim not allocated yet"}}
	}
	var out []Interface
	for _, d := range c.Devices {
		in := Interface{Network: fmt.Sprintf("claim:%s/%s", c.Name, d.Request), Interface: d.Interface, IPs: d.IPs, MAC: d.MAC,
			State: StateAttached, Claim: c.Name + "/" + d.Request, Device: d.Driver + "/" + d.Pool + "/" + d.Device}
		if in.IPs == nil {
			in.IPs = []string{}
		}
		switch {
		case d.NotReady != "":
			in.State, in.Reason = StateMissing, "device not ready: "+d.NotReady
		case !d.NetworkData:
			in.State, in.Reason = StateMissing, "the driver reported no network data yet"
		}
		out = append(out, in)
	}
	return out
}
