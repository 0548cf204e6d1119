package cni

import (
	"net"

	"github.com/containernetworking/plugins/pkg/utils/sysctl"
)

// arpAnnounce asks the kernel to send gratuitous ARPs when the address comes up, by enabling
// arp_notify on the interface (the upstream plugins send them with an ARP client; the sysctl keeps
// this package free of raw sockets).
func arpAnnounce(ifName string, _ net.IP) error {
	_, err := sysctl.Sysctl("net/ipv4/conf/"+ifName+"/arp_notify", "1")
	return err
}
