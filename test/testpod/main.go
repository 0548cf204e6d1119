// Command testpod is the lab's pause image and test workload: one static binary that waits for a
// signal, lists the pod's interfaces, and pings over a chosen interface, so the real-node tests need
// no image registry and no distribution userland.
//
//	testpod pause            block until SIGTERM or SIGINT (sandbox and workload entrypoint)
//	testpod addrs            print "IFNAME ADDRESS/PREFIX" for every address in the pod
//	testpod ping ADDR [N]    send up to N ICMP echo requests (default 3), exit 0 on the first reply
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testpod pause|addrs|ping ADDR [N]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "pause":
		pause()
	case "addrs":
		err = addrs()
	case "ping":
		err = ping(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q, want pause, addrs or ping", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testpod:", err)
		os.Exit(1)
	}
}

func pause() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
}

func addrs() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list interfaces: %w", err)
	}
	for _, ifc := range ifaces {
		as, err := ifc.Addrs()
		if err != nil {
			return fmt.Errorf("addresses of %s: %w", ifc.Name, err)
		}
		for _, a := range as {
			fmt.Printf("%s %s\n", ifc.Name, a)
		}
	}
	return nil
}

func ping(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("ping needs an address")
	}
	dst := net.ParseIP(args[0])
	if dst == nil || dst.To4() == nil {
		return fmt.Errorf("ping: %q is not an IPv4 address", args[0])
	}
	count := 3
	if len(args) > 1 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return fmt.Errorf("ping: count %q is not a positive number", args[1])
		}
		count = n
	}
	conn, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return fmt.Errorf("open icmp socket: %w", err)
	}
	defer conn.Close()
	id := os.Getpid() & 0xffff
	buf := make([]byte, 1500)
	for seq := 1; seq <= count; seq++ {
		msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: []byte("multinet")}}
		b, err := msg.Marshal(nil)
		if err != nil {
			return fmt.Errorf("marshal echo: %w", err)
		}
		if _, err := conn.WriteTo(b, &net.IPAddr{IP: dst}); err != nil {
			return fmt.Errorf("send echo to %s: %w", dst, err)
		}
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) {
			_ = conn.SetReadDeadline(deadline)
			n, peer, err := conn.ReadFrom(buf)
			if err != nil {
				break
			}
			reply, err := icmp.ParseMessage(1, buf[:n])
			if err != nil || reply.Type != ipv4.ICMPTypeEchoReply {
				continue
			}
			if echo, ok := reply.Body.(*icmp.Echo); ok && echo.ID == id && peer.String() == dst.String() {
				fmt.Printf("reply from %s seq=%d\n", dst, echo.Seq)
				return nil
			}
		}
	}
	return fmt.Errorf("no reply from %s after %d echo requests", dst, count)
}
