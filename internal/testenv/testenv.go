// Package testenv starts a real kube-apiserver and etcd (built by hack/testbin.sh, found through
// KUBEBUILDER_ASSETS) with controller-runtime envtest, with the CRDs of config/crds installed, for
// integration tests.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Env is a running control plane.
type Env struct {
	// Config is an admin REST config.
	Config   *rest.Config
	env      *envtest.Environment
	wrappers string
	// release ends the goroutine that holds the thread the control plane was forked from.
	release chan struct{}
}

// RepoRoot is the repository's top directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Start starts etcd and kube-apiserver with config/crds installed, plus the CRDs of extraCRDDirs
// (relative to the repository). It fails when KUBEBUILDER_ASSETS does not name a directory holding
// the binaries: run `make testbin` (make test does).
func Start(extraCRDDirs ...string) (*Env, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return nil, errors.New("KUBEBUILDER_ASSETS is not set; run the integration tests with make test (it builds the binaries with hack/testbin.sh)")
	}
	if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
		return nil, fmt.Errorf("KUBEBUILDER_ASSETS=%s has no kube-apiserver; run hack/testbin.sh: %w", assets, err)
	}
	dirs := []string{filepath.Join(RepoRoot(), "config", "crds")}
	for _, d := range extraCRDDirs {
		dirs = append(dirs, filepath.Join(RepoRoot(), d))
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     dirs,
		ErrorIfCRDPathMissing: true,
	}
	// Advertising 127.0.0.1 without a default route needs the endpoint reconciler off.
	env.ControlPlane.GetAPIServer().Configure().Set("endpoint-reconciler-type", "none")
	wrappers, err := dieWithTest(assets)
	if err != nil {
		return nil, err
	}
	if wrappers != "" {
		env.ControlPlane.GetAPIServer().Path = filepath.Join(wrappers, "kube-apiserver")
		env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(wrappers, "etcd")}
	}
	cfg, release, err := startOnKeptThread(env)
	if err != nil {
		os.RemoveAll(wrappers)
		return nil, fmt.Errorf("start envtest control plane: %w", err)
	}
	return &Env{Config: cfg, env: env, wrappers: wrappers, release: release}, nil
}

// startOnKeptThread starts env from a goroutine locked to its OS thread, and keeps that thread
// until release is closed. The kernel sends a parent-death signal when the thread that forked the
// child ends, not the process, and Go ends a thread whose goroutine exits while locked to it, as
// network-namespace code does; on a shared thread, such code would kill the control plane.
func startOnKeptThread(env *envtest.Environment) (*rest.Config, chan struct{}, error) {
	type started struct {
		cfg *rest.Config
		err error
	}
	result := make(chan started)
	release := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cfg, err := env.Start()
		result <- started{cfg, err}
		if err == nil {
			<-release
		}
	}()
	r := <-result
	return r.cfg, release, r.err
}

// dieWithTest writes, to a new directory, wrappers that run assets' kube-apiserver and etcd under
// setpriv --pdeathsig KILL, so that the kernel kills them when the test process ends without
// stopping them (go test -timeout exits without running cleanups). It returns "" when setpriv is
// missing; the binaries then run as they are.
func dieWithTest(assets string) (string, error) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return "", nil
	}
	dir, err := os.MkdirTemp("", "testenv-bin-")
	if err != nil {
		return "", fmt.Errorf("directory for the control plane's wrappers: %w", err)
	}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		script := fmt.Sprintf("#!/bin/sh\nexec '%s' --pdeathsig KILL -- '%s' \"$@\"\n", setpriv, filepath.Join(assets, name))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("wrapper of %s: %w", name, err)
		}
	}
	return dir, nil
}

// Stop stops the control plane and removes its data.
func (e *Env) Stop() error {
	defer os.RemoveAll(e.wrappers)
	defer close(e.release)
	return e.env.Stop()
}

// KubeconfigFor writes a kubeconfig for user (in groups) to dir and returns its path. A user in
// no group has no permissions until RBAC grants some.
func (e *Env) KubeconfigFor(dir, user string, groups ...string) (string, error) {
	u, err := e.env.AddUser(envtest.User{Name: user, Groups: groups}, e.Config)
	if err != nil {
		return "", fmt.Errorf("add user %s: %w", user, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("kubeconfig for %s: %w", user, err)
	}
	path := filepath.Join(dir, user+".kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("write kubeconfig for %s: %w", user, err)
	}
	return path, nil
}
