package netsnap

import (
	"context"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
)

// TestPingUDP: across a veth, UDP pings to an echo server come back and the neighbour entry holds
// the peer's MAC; a full-size DF datagram passes at the peer's MTU and not above it; an address
// nobody holds answers nothing; the server stops once its one peer says it is done.
func TestPingUDP(t *testing.T) {
	a, b := vethPair(t, []string{"10.67.0.5/24"}, []string{"10.67.0.6/24"}, 1400)
	listen := func() *EchoServer {
		t.Helper()
		var srv *EchoServer
		if err := b.Do(func(ns.NetNS) error {
			var err error
			srv, err = ListenEcho("net1b", 33433)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return srv
	}
	srv := listen()
	served := make(chan int, 1)
	go func() {
		n, err := srv.Serve(context.Background(), 1)
		if err != nil {
			t.Error(err)
		}
		served <- n
	}()
	var res []PingResult
	err := a.Do(func(ns.NetNS) error {
		var err error
		res, err = PingUDP("net1", []string{"10.67.0.6", "10.67.0.7"}, 33433, 2, 1400, 2*time.Second) // a veth answers in microseconds
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	peer, nobody := res[0], res[1]
	if peer.Received != 2 || peer.MTUOK == nil || !*peer.MTUOK || peer.MAC != peerMAC().String() {
		t.Errorf("peer: %+v; want 2 replies, mtuOK, MAC %s", peer, peerMAC())
	}
	if nobody.Received != 0 || nobody.MAC != "" {
		t.Errorf("nobody: %+v; want no reply and no MAC", nobody)
	}
	// The server answered 2 pings and the full-size one, then stopped on the sender's done.
	if n := <-served; n != 3 {
		t.Errorf("server answered %d pings, want 3", n)
	}

	// Above the peer's MTU: the server is gone, so start another one.
	srv = listen()
	go func() { n, _ := srv.Serve(context.Background(), 1); served <- n }()
	if err := a.Do(func(ns.NetNS) error {
		var err error
		res, err = PingUDP("net1", []string{"10.67.0.6"}, 33433, 1, 1500, 2*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if res[0].Received != 1 || res[0].MTUOK == nil || *res[0].MTUOK {
		t.Errorf("above the peer's MTU: %+v; want 1 reply and mtuOK false", res[0])
	}
	<-served
}

// TestStopEcho: a stop from another host is ignored; one from the server's own address ends it,
// although no peer said it was done.
func TestStopEcho(t *testing.T) {
	a, b := vethPair(t, []string{"10.68.0.5/24"}, []string{"10.68.0.6/24"}, 0)
	var srv *EchoServer
	if err := b.Do(func(ns.NetNS) error {
		if err := up(t, "lo"); err != nil { // as in every pod: traffic to its own address goes over lo
			return err
		}
		var err error
		srv, err = ListenEcho("net1b", 33433)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	served := make(chan error, 1)
	go func() { _, err := srv.Serve(ctx, 5); served <- err }()
	if err := a.Do(func(ns.NetNS) error { return StopEcho("10.68.0.6", 33433) }); err == nil {
		t.Fatal("a stop sent from another host's namespace to an address it does not hold: want an error")
	}
	res, err := pingFrom(a, "10.68.0.6")
	if err != nil || res.Received != 1 {
		t.Fatalf("the server stopped or does not answer: %+v, %v", res, err)
	}
	if err := b.Do(func(ns.NetNS) error { return StopEcho("10.68.0.6", 33433) }); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil || ctx.Err() != nil {
		t.Errorf("the server did not stop on the stop datagram: %v, %v", err, ctx.Err())
	}
}

// pingFrom sends one UDP ping from namespace a's net1 to ip.
func pingFrom(a ns.NetNS, ip string) (PingResult, error) {
	var res []PingResult
	err := a.Do(func(ns.NetNS) error {
		var err error
		res, err = PingUDP("net1", []string{ip}, 33433, 1, 0, 2*time.Second)
		return err
	})
	if err != nil {
		return PingResult{}, err
	}
	return res[0], nil
}

func TestParseUDPDatagram(t *testing.T) {
	kind, id, seq, ok := parseUDPDatagram(udpDatagram(kindPing, 7, 9, 100))
	if !ok || kind != kindPing || id != 7 || seq != 9 {
		t.Errorf("round trip: %c %d %d %v", kind, id, seq, ok)
	}
	for _, b := range [][]byte{nil, []byte("mnping1"), []byte("xxxxxxxxxxxxxxxxxxxxxxxx")} {
		if _, _, _, ok := parseUDPDatagram(b); ok {
			t.Errorf("%q parsed as a ping", b)
		}
	}
}

func FuzzParseUDPDatagram(f *testing.F) {
	f.Add(udpDatagram(kindPing, 1, 2, 64))
	f.Add([]byte("mnping1d"))
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, id, seq, ok := parseUDPDatagram(b)
		if ok && string(udpDatagram(kind, id, seq, len(b))[:udpHeader]) != string(b[:udpHeader]) {
			t.Errorf("%q: parsed header does not round-trip", b)
		}
	})
}
