package install

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// TestApplyWaitsForADeletingObject: an install right after an uninstall finds the IPAllocation CRD
// still being deleted (a finalizer holds it here, as the API server's instance cleanup does for a
// moment). Apply does not report success while it is held; once it goes, Apply creates it anew,
// instead of patching what then vanishes (seen in the lab: every ADD after such an install failed
// with "not found").
func TestApplyWaitsForADeletingObject(t *testing.T) {
	testneeds.Need(t, testneeds.Lacks(false, true))
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crds", "ipam.multinet.io_ipallocations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(env.Config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(env.Config)))
	c := Client{Dyn: dyn, Mapper: mapper}
	if _, err := c.Apply(ctx, objs, false); err != nil {
		t.Fatal(err)
	}
	crds := dyn.Resource(gvr.CRDs)
	name := objs[0].GetName()
	old, err := crds.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hold := []byte(`{"metadata":{"finalizers":["test.multinet.io/hold"]}}`)
	if _, err := crds.Patch(ctx, name, types.MergePatchType, hold, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := crds.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// While it is held, Apply must not report success: it waits, here until its context ends.
	held, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := c.Apply(held, objs, false); err == nil {
		t.Fatal("apply reported success over a CRD being deleted")
	}
	release := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := crds.Patch(ctx, name, types.MergePatchType, release, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := c.Apply(ctx, objs, false); err != nil {
		t.Fatal(err)
	}
	cur, err := crds.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("after the second apply: %v", err)
	}
	if cur.GetUID() == old.GetUID() || cur.GetDeletionTimestamp() != nil {
		t.Errorf("the CRD is the deleted one (uid %s, deleting %v); want a new one", cur.GetUID(), cur.GetDeletionTimestamp())
	}
}
