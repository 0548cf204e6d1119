package netsnap

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

// FindDuplicates sends ARP probes (RFC 5227: sender address 0.0.0.0, so that no neighbour cache
// learns anything) for every IPv4 address of every link but loopback, and listens for wait for
// hosts that answer or announce one of those addresses from another MAC. It needs CAP_NET_RAW; what
// it could not do is returned as errors, one a link.
func FindDuplicates(s Snapshot, wait time.Duration) ([]Duplicate, []string) {
	var dups []Duplicate
	var errs []string
	for _, l := range s.Links {
		if l.Name == "lo" || l.MAC == "" || !l.Up {
			continue
		}
		var mine []netip.Addr
		for _, cidr := range s.AddrsOf(l.Name) {
			if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr().Is4() {
				mine = append(mine, p.Addr())
			}
		}
		if len(mine) == 0 {
			continue
		}
		found, err := probeLink(l.Name, mine, wait)
		if err != nil {
			errs = append(errs, fmt.Sprintf("ARP on %s: %v", l.Name, err))
		}
		dups = append(dups, found...)
	}
	return dups, errs
}

func probeLink(name string, mine []netip.Addr, wait time.Duration) ([]Duplicate, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, err
	}
	c, err := arp.Dial(ifi)
	if errors.Is(err, os.ErrPermission) || (err != nil && strings.Contains(err.Error(), "operation not permitted")) {
		return nil, errors.New("not permitted: the probe needs CAP_NET_RAW (kubectl multinet probe --arp adds it)")
	}
	if err != nil {
		return nil, err
	}
	defer c.Close()
	for _, ip := range mine {
		p, err := arp.NewPacket(arp.OperationRequest, ifi.HardwareAddr, netip.IPv4Unspecified(), ethernet.Broadcast, ip)
		if err != nil {
			return nil, err
		}
		for range 2 {
			if err := c.WriteTo(p, ethernet.Broadcast); err != nil {
				return nil, err
			}
		}
	}
	if err := c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Duplicate
	for {
		p, _, err := c.Read()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return out, nil
			}
			return out, err
		}
		if p.SenderHardwareAddr.String() == ifi.HardwareAddr.String() {
			continue
		}
		for _, ip := range mine {
			key := ip.String() + p.SenderHardwareAddr.String()
			if p.SenderIP == ip && !seen[key] {
				seen[key] = true
				out = append(out, Duplicate{Link: name, IP: ip.String(), MAC: p.SenderHardwareAddr.String()})
			}
		}
	}
}
