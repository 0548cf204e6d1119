package cluster

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/pager"
)

// Resource is one kind of object to read for a diagnosis.
type Resource struct {
	// Name identifies the resource in the result (e.g. "events").
	Name string
	GVR  schema.GroupVersionResource
	// Namespace is "" for all namespaces (or a cluster-scoped resource).
	Namespace     string
	FieldSelector string
	// Fallbacks are older versions to list when GVR is not served, newest first.
	Fallbacks []schema.GroupVersionResource
}

// Collection is what Collect read.
type Collection struct {
	// Items by Resource.Name, for the resources read completely.
	Items map[string][]unstructured.Unstructured
	// Notes say, one line each, which resources could not be read and why.
	Notes []string
}

// maxParallelLists bounds the lists Collect runs at once.
const maxParallelLists = 4

// Collect lists every resource (paginated, up to maxParallelLists at once). A resource that cannot
// be read (forbidden, not served) is left out of Items with a note; it never fails the others.
func Collect(ctx context.Context, client dynamic.Interface, resources []Resource) Collection {
	out := Collection{Items: map[string][]unstructured.Unstructured{}}
	var mu sync.Mutex
	sem := make(chan struct{}, maxParallelLists)
	var wg sync.WaitGroup
	for _, r := range resources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			items, err := listAll(ctx, client, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out.Notes = append(out.Notes, Note(r, err))
				return
			}
			out.Items[r.Name] = items
		}()
	}
	wg.Wait()
	return out
}

// Note is the line that says r was skipped because reading it failed with err.
func Note(r Resource, err error) string {
	if apierrors.IsNotFound(err) {
		return fmt.Sprintf("skipped %s: this API server does not serve %s", r.Name, r.GVR.GroupResource())
	}
	return fmt.Sprintf("skipped %s: %v", r.Name, describe(err, r.GVR.Resource, r.Namespace, "", "list"))
}

// listAll lists r, trying its fallback versions while a version is not served.
func listAll(ctx context.Context, client dynamic.Interface, r Resource) ([]unstructured.Unstructured, error) {
	items, err := listVersion(ctx, client, r, r.GVR)
	for _, gvr := range r.Fallbacks {
		if !apierrors.IsNotFound(err) {
			break
		}
		items, err = listVersion(ctx, client, r, gvr)
	}
	return items, err
}

func listVersion(ctx context.Context, client dynamic.Interface, r Resource, gvr schema.GroupVersionResource) ([]unstructured.Unstructured, error) {
	res := client.Resource(gvr).Namespace(r.Namespace)
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) { return res.List(ctx, opts) })
	var items []unstructured.Unstructured
	err := p.EachListItem(ctx, metav1.ListOptions{FieldSelector: r.FieldSelector}, func(obj runtime.Object) error {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("unexpected %T in %s list", obj, r.GVR.Resource)
		}
		items = append(items, *u)
		return nil
	})
	if items == nil {
		items = []unstructured.Unstructured{}
	}
	return items, err
}
