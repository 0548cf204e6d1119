package netsnap

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// UDP pings are datagrams of udpMagic, a kind byte, the sender's 32-bit id and a 32-bit sequence
// number, padded to size; the echo server answers pings only, and counts "done" datagrams.
const (
	udpMagic  = "mnping1"
	udpHeader = len(udpMagic) + 1 + 8
	kindPing  = 'p'
	kindReply = 'r'
	kindDone  = 'd'
	kindStop  = 's'
)

// udpConn opens a UDP socket at addr:port (port 0: any) with DF set on what it sends
// (IP_PMTUDISC_DO), bound to device iface when it is set. Binding to a device needs no capability
// since Linux 5.7.
func udpConn(iface, addr string, port int) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if iface != "" {
				if serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, iface); serr != nil {
					return
				}
			}
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

func udpDatagram(kind byte, id, seq uint32, size int) []byte {
	b := make([]byte, max(size, udpHeader))
	copy(b, udpMagic)
	b[len(udpMagic)] = kind
	binary.BigEndian.PutUint32(b[len(udpMagic)+1:], id)
	binary.BigEndian.PutUint32(b[len(udpMagic)+5:], seq)
	return b
}

// parseUDPDatagram returns a datagram's kind, id and sequence number; ok is false for anything else.
func parseUDPDatagram(b []byte) (kind byte, id, seq uint32, ok bool) {
	if len(b) < udpHeader || string(b[:len(udpMagic)]) != udpMagic {
		return 0, 0, 0, false
	}
	return b[len(udpMagic)], binary.BigEndian.Uint32(b[len(udpMagic)+1:]), binary.BigEndian.Uint32(b[len(udpMagic)+5:]), true
}

// EchoServer answers UDP pings (PingUDP) on one interface.
type EchoServer struct{ conn *net.UDPConn }

// ListenEcho binds an echo server to iface's IPv4 address at port. It needs no capability. Its
// replies are routed as any application's are (not forced out of iface), so a pair that only works
// one way fails here as it would for an application.
func ListenEcho(iface string, port int) (*EchoServer, error) {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, err
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			conn, err := udpConn("", ipn.IP.String(), port)
			if err != nil {
				return nil, err
			}
			return &EchoServer{conn: conn}, nil
		}
	}
	return nil, fmt.Errorf("%s has no IPv4 address", iface)
}

// Serve answers pings until ctx ends, until peers senders have said they are done (peers 0: only
// ctx ends it), or until a stop datagram comes from its own address (StopEcho, run in the same pod:
// peers that cannot reach it never say they are done), then closes the socket. It returns how many
// pings it answered.
func (s *EchoServer) Serve(ctx context.Context, peers int) (int, error) {
	defer s.conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = s.conn.SetReadDeadline(time.Now()) })
	defer stop()
	done := map[string]bool{}
	answered := 0
	buf := make([]byte, 65536)
	for peers == 0 || len(done) < peers {
		n, from, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			if ctx.Err() != nil {
				return answered, nil
			}
			return answered, err
		}
		kind, _, _, ok := parseUDPDatagram(buf[:n])
		switch {
		case !ok:
		case kind == kindPing:
			buf[len(udpMagic)] = kindReply
			// A reply as large as the ping has DF set too: a path MTU below it loses it either way.
			if _, err := s.conn.WriteToUDP(buf[:n], from); err == nil {
				answered++
			}
		case kind == kindDone:
			done[from.IP.String()] = true
		case kind == kindStop && from.IP.Equal(s.conn.LocalAddr().(*net.UDPAddr).IP):
			return answered, nil
		}
	}
	return answered, nil
}

// StopEcho stops the echo server at ip:port, one of this namespace's own addresses.
func StopEcho(ip string, port int) error {
	dst := net.ParseIP(ip)
	if dst == nil {
		return fmt.Errorf("%q is not an IP address", ip)
	}
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: dst}, &net.UDPAddr{IP: dst, Port: port})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write(udpDatagram(kindStop, 0, 0, udpHeader))
	return err
}

// PingUDP does what Ping does with UDP datagrams to an Echo server at port on each target, so it
// needs no capability (and passes where ICMP is filtered); afterwards it tells each target it is
// done.
func PingUDP(iface string, targets []string, port, count, mtu int, wait time.Duration) ([]PingResult, error) {
	conn, err := udpConn(iface, "0.0.0.0", 0)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	id := uint32(time.Now().UnixNano())
	var seq uint32
	out := measure(iface, targets, count, mtu, func(dst net.IP, size int) (time.Duration, error) {
		seq++
		return udpEcho(conn, &net.UDPAddr{IP: dst, Port: port}, id, seq, size, wait)
	})
	for _, t := range targets {
		if dst := net.ParseIP(t).To4(); dst != nil {
			for range 2 { // one more in case the first is lost
				_, _ = conn.WriteToUDP(udpDatagram(kindDone, id, 0, udpHeader), &net.UDPAddr{IP: dst, Port: port})
			}
		}
	}
	return out, nil
}

// udpEcho sends one ping of size bytes to addr and waits for its reply.
func udpEcho(conn *net.UDPConn, addr *net.UDPAddr, id, seq uint32, size int, wait time.Duration) (time.Duration, error) {
	start := time.Now()
	if _, err := conn.WriteToUDP(udpDatagram(kindPing, id, seq, size), addr); err != nil {
		return 0, err // EMSGSIZE when larger than this side's link MTU
	}
	buf := make([]byte, 65536)
	for {
		if err := conn.SetReadDeadline(start.Add(wait)); err != nil {
			return 0, err
		}
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			return 0, err
		}
		kind, rid, rseq, ok := parseUDPDatagram(buf[:n])
		if ok && kind == kindReply && rid == id && rseq == seq && from.IP.Equal(addr.IP) {
			return time.Since(start), nil
		}
	}
}
