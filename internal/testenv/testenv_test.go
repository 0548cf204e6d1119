package testenv

import (
	"bufio"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestControlPlaneDiesWithTheTest starts a control plane in a child test process that exits without
// stopping it, as go test -timeout does, and checks that its kube-apiserver stops serving.
func TestControlPlaneDiesWithTheTest(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		env, err := Start()
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("HOST " + env.Config.Host + "\n")
		os.Exit(0) // no Stop, no cleanups
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		if os.Getenv("MULTINET_REQUIRE_ENV") != "" {
			t.Fatal("KUBEBUILDER_ASSETS is not set")
		}
		t.Skip("KUBEBUILDER_ASSETS is not set; make test sets it")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv is missing")
	}
	child := exec.Command(os.Args[0], "-test.run", "^TestControlPlaneDiesWithTheTest$")
	// The child's control plane keeps its files under TMPDIR; the test removes them at the end.
	child.Env = append(os.Environ(), "TESTENV_CHILD=1", "TMPDIR="+t.TempDir())
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	host := ""
	for sc := bufio.NewScanner(out); sc.Scan(); {
		if h, ok := strings.CutPrefix(sc.Text(), "HOST "); ok {
			host = h
		}
	}
	if err := child.Wait(); err != nil || host == "" {
		t.Fatalf("child: host %q, %v", host, err)
	}
	u, err := url.Parse(host)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			return // nothing serves there any more
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("kube-apiserver at %s still serves a minute after its test process ended", u.Host)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
