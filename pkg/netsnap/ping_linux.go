package netsnap

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// Ping sends count ICMP echoes to each target over iface only (SO_BINDTODEVICE), then, when mtu
// is set, one echo of mtu bytes with DF; each echo waits up to wait for its reply. It needs
// CAP_NET_RAW (a raw ICMP socket).
func Ping(iface string, targets []string, count, mtu int, wait time.Duration) ([]PingResult, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, iface); serr == nil {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), "ip4:icmp", "0.0.0.0")
	if errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EPERM) {
		return nil, errors.New("not permitted: pinging needs CAP_NET_RAW")
	}
	if err != nil {
		return nil, err
	}
	defer pc.Close()
	id := os.Getpid() & 0xffff
	seq := 0
	return measure(iface, targets, count, mtu, func(dst net.IP, size int) (time.Duration, error) {
		seq++
		return echo(pc, dst, id, seq, size, wait)
	}), nil
}

// measure sends count echoes of 56 bytes to each target, then, when mtu is set, one of mtu-28 (the
// IPv4 and ICMP or UDP headers are 28 bytes) with DF, and reads the neighbour entry left on iface.
func measure(iface string, targets []string, count, mtu int, echo func(dst net.IP, size int) (time.Duration, error)) []PingResult {
	out := make([]PingResult, 0, len(targets))
	for _, t := range targets {
		r := PingResult{IP: t}
		dst := net.ParseIP(t).To4()
		if dst == nil {
			r.Error = "not an IPv4 address"
			out = append(out, r)
			continue
		}
		var total time.Duration
		for range count {
			r.Sent++
			rtt, err := echo(dst, 56)
			if err == nil {
				r.Received++
				total += rtt
			} else if !isTimeout(err) {
				r.Error = err.Error()
			}
		}
		if r.Received > 0 {
			r.RTTMicros = (total / time.Duration(r.Received)).Microseconds()
		}
		if mtu > 28+udpHeader {
			_, err := echo(dst, mtu-28)
			ok := err == nil
			r.MTUOK = &ok
		}
		r.MAC, r.NeighborState = neighbour(iface, dst)
		out = append(out, r)
	}
	return out
}

// echo sends one echo request of size payload bytes and waits for its reply.
func echo(pc net.PacketConn, dst net.IP, id, seq, size int, wait time.Duration) (time.Duration, error) {
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: make([]byte, size)}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := pc.WriteTo(b, &net.IPAddr{IP: dst}); err != nil {
		return 0, err
	}
	deadline := start.Add(wait)
	buf := make([]byte, 65536)
	for {
		if err := pc.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return 0, err
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || m.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && e.ID == id && e.Seq == seq && from.(*net.IPAddr).IP.Equal(dst) {
			return time.Since(start), nil
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// neighbour returns the MAC and state of dst in iface's neighbour table.
func neighbour(iface string, dst net.IP) (string, string) {
	link, err := netlink.LinkByName(iface)
	if err != nil {
		return "", ""
	}
	list, err := netlink.NeighList(link.Attrs().Index, netlink.FAMILY_V4)
	if err != nil {
		return "", ""
	}
	for _, n := range list {
		if n.IP.Equal(dst) {
			mac := ""
			if len(n.HardwareAddr) > 0 {
				mac = n.HardwareAddr.String()
			}
			return mac, neighState(n.State)
		}
	}
	return "", "NONE"
}
