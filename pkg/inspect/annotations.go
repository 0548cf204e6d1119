package inspect

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	nadutils "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/utils"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Annotation keys read from pods.
const (
	// NetworksAnnotation is the Multus request: `ns/name@ifname,...` or a JSON list.
	NetworksAnnotation = nadv1.NetworkAttachmentAnnot
	// NetworkStatusAnnotation is what Multus reports it attached.
	NetworkStatusAnnotation = nadv1.NetworkStatusAnnot
	// DeprecatedNetworksStatusAnnotation is the old name of NetworkStatusAnnotation, read as a fallback.
	DeprecatedNetworksStatusAnnotation = "k8s.v1.cni.cncf.io/networks-status"
	// DefaultNetworkAnnotation overrides the cluster default network of one pod.
	DefaultNetworkAnnotation = "v1.multus-cni.io/default-network"
	// GKEInterfacesAnnotation is the GKE native multi-networking request.
	GKEInterfacesAnnotation = "networking.gke.io/interfaces"
	// GKEDefaultInterfaceAnnotation names the interface GKE makes the pod's default.
	GKEDefaultInterfaceAnnotation = "networking.gke.io/default-interface"
	// GKEInterfaceStatusAnnotation is what GKE reports it attached.
	GKEInterfaceStatusAnnotation = "networking.gke.io/interface-status"
)

// maxIfNameLen is the kernel's limit on interface names (IFNAMSIZ - 1).
const maxIfNameLen = 15

// Request is one network a pod asked for.
type Request struct {
	// Namespace and Name identify the NetworkAttachmentDefinition (Multus) or, with an empty Namespace,
	// the GKE Network.
	Namespace, Name string
	// Interface is the interface name the pod asked for; empty means the runtime picks one.
	Interface string
	// IPs and MAC are static requests, when given.
	IPs []string
	MAC string
}

// Key is the request's network as `namespace/name` (just `name` for GKE networks).
func (r Request) Key() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// ParseNetworks parses a k8s.v1.cni.cncf.io/networks value in either form. Names without a namespace
// belong to podNamespace.
func ParseNetworks(value, podNamespace string) ([]Request, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	elems, err := nadutils.ParseNetworkAnnotation(value, podNamespace)
	if err != nil {
		if strings.HasPrefix(strings.TrimSpace(value), "[") { // the library's JSON errors name its Go types
			var probe []nadv1.NetworkSelectionElement
			if jerr := json.Unmarshal([]byte(value), &probe); jerr != nil {
				return nil, fmt.Errorf("%s: invalid JSON: %w", NetworksAnnotation, userJSON(jerr))
			}
		}
		return nil, fmt.Errorf("%s: %w", NetworksAnnotation, unwrapLibError(err))
	}
	reqs := make([]Request, 0, len(elems))
	for i, e := range elems {
		if e == nil || e.Name == "" {
			return nil, fmt.Errorf("%s: element %d has no network name", NetworksAnnotation, i+1)
		}
		if msgs := validation.IsDNS1123Subdomain(e.Name); len(msgs) > 0 {
			return nil, fmt.Errorf("%s: network name %q: %s", NetworksAnnotation, e.Name, msgs[0])
		}
		if len(e.InterfaceRequest) > maxIfNameLen || strings.ContainsAny(e.InterfaceRequest, "/ \t") {
			return nil, fmt.Errorf("%s: interface name %q must be at most %d characters without '/' or spaces",
				NetworksAnnotation, e.InterfaceRequest, maxIfNameLen)
		}
		reqs = append(reqs, Request{Namespace: e.Namespace, Name: e.Name, Interface: e.InterfaceRequest, IPs: e.IPRequest, MAC: e.MacRequest})
	}
	return reqs, nil
}

// requestCache holds the networks annotations parsed so far, by namespace and value. The pods of
// one workload share their annotation, and the library compiles a regular expression for every
// element of the short form it parses: a third of status' CPU at 100,000 pods. A nil cache parses
// every value anew. One goroutine uses a cache.
type requestCache map[string]parsedRequests

type parsedRequests struct {
	reqs []Request
	err  error
}

// parse is ParseNetworks, once per distinct namespace and value; each caller gets its own slice.
func (c requestCache) parse(value, podNamespace string) ([]Request, error) {
	if c == nil {
		return ParseNetworks(value, podNamespace)
	}
	key := podNamespace + "\x00" + value
	r, ok := c[key]
	if !ok {
		r.reqs, r.err = ParseNetworks(value, podNamespace)
		c[key] = r
	}
	return slices.Clone(r.reqs), r.err
}

// unwrapLibError shortens the library's messages, which carry its function names.
func unwrapLibError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "parsePodNetworkAnnotation: ")
	msg = strings.Replace(msg, "failed to parse pod Network Attachment Selection Annotation JSON format", "invalid JSON", 1)
	if msg == "" {
		return err
	}
	return errors.New(strings.ToLower(msg[:1]) + msg[1:])
}

// ParseNetworkStatus parses a k8s.v1.cni.cncf.io/network-status (or networks-status) value.
func ParseNetworkStatus(key, value string) ([]nadv1.NetworkStatus, error) {
	var st []nadv1.NetworkStatus
	if err := json.Unmarshal([]byte(value), &st); err != nil {
		return nil, fmt.Errorf("%s: not a JSON list of network status: %w", key, userJSON(err))
	}
	return st, nil
}

// gkeInterface is one element of networking.gke.io/interfaces.
type gkeInterface struct {
	InterfaceName string `json:"interfaceName"`
	Network       string `json:"network"`
	Interface     string `json:"interface"`
}

// gkeInterfaceStatus is one element of networking.gke.io/interface-status.
type gkeInterfaceStatus struct {
	NetworkName string   `json:"networkName"`
	IPAddresses []string `json:"ipAddresses"`
	MACAddress  string   `json:"macAddress"`
}

// ParseGKEInterfaces parses a networking.gke.io/interfaces value into requests for GKE networks.
func ParseGKEInterfaces(value string) ([]Request, error) {
	var ifs []gkeInterface
	if err := json.Unmarshal([]byte(value), &ifs); err != nil {
		return nil, fmt.Errorf("%s: not a JSON list of {interfaceName, network}: %w", GKEInterfacesAnnotation, userJSON(err))
	}
	reqs := make([]Request, 0, len(ifs))
	for i, f := range ifs {
		name := f.Network
		if name == "" {
			name = f.Interface
		}
		if name == "" || f.InterfaceName == "" {
			return nil, fmt.Errorf("%s: element %d needs interfaceName and network", GKEInterfacesAnnotation, i+1)
		}
		reqs = append(reqs, Request{Name: name, Interface: f.InterfaceName})
	}
	return reqs, nil
}

// parseGKEInterfaceStatus parses a networking.gke.io/interface-status value.
func parseGKEInterfaceStatus(value string) ([]gkeInterfaceStatus, error) {
	var st []gkeInterfaceStatus
	if err := json.Unmarshal([]byte(value), &st); err != nil {
		return nil, fmt.Errorf("%s: not a JSON list of interface status: %w", GKEInterfaceStatusAnnotation, userJSON(err))
	}
	return st, nil
}

// userJSON is JSONProblem's message for any JSON error.
func userJSON(err error) error {
	problem, _ := JSONProblem(err)
	return problem
}
