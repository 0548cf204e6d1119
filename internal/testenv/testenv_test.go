package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

// TestControlPlaneOutlivesTheStartingThread starts the control plane from a goroutine that exits
// locked to its OS thread, so Go ends that thread, as network-namespace code does, and checks that
// the kube-apiserver still answers once the thread is gone.
func TestControlPlaneOutlivesTheStartingThread(t *testing.T) {
	requireAssets(t)
	var env *Env
	var err error
	tid := onEndingThread(func() { env, err = Start() })
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	task := fmt.Sprintf("/proc/self/task/%d", tid)
	deadline := time.Now().Add(time.Minute)
	for _, statErr := os.Stat(task); !errors.Is(statErr, fs.ErrNotExist); _, statErr = os.Stat(task) {
		if time.Now().After(deadline) {
			t.Fatalf("thread %d did not end", tid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		t.Fatalf("kube-apiserver stopped when the thread that called Start ended: %v", err)
	}
}

// onEndingThread runs f on a goroutine locked to an OS thread other than the main one, lets the
// goroutine exit still locked so Go ends the thread, and returns the thread's id.
func onEndingThread(f func()) int {
	var held []chan struct{}
	defer func() {
		for _, h := range held {
			close(h)
		}
	}()
	for {
		tid := make(chan int)
		hold := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			if syscall.Gettid() == syscall.Getpid() {
				tid <- 0 // Go never ends the main thread; keep it busy and try again
				<-hold
				runtime.UnlockOSThread()
				return
			}
			f()
			tid <- syscall.Gettid()
		}()
		if id := <-tid; id != 0 {
			return id
		}
		held = append(held, hold)
	}
}

// requireAssets skips t without setpriv, and without the control plane's binaries unless
// MULTINET_REQUIRE_ENV is set (it fails then).
func requireAssets(t *testing.T) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		if os.Getenv("MULTINET_REQUIRE_ENV") != "" {
			t.Fatal("KUBEBUILDER_ASSETS is not set")
		}
		t.Skip("KUBEBUILDER_ASSETS is not set; make test sets it")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv is missing")
	}
}

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
	requireAssets(t)
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
