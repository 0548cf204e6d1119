package cluster

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// WatchPods calls changed for every change to the selected pods' metadata (annotations included)
// until ctx ends, re-establishing the watch after errors with a capped backoff. It never lists: the
// caller re-reads on its own schedule, so a burst of changes costs one read.
func WatchPods(ctx context.Context, meta metadata.Interface, namespace, labelSelector string, changed func()) {
	res := meta.Resource(gvr.Pods).Namespace(namespace)
	backoff := time.Second
	for ctx.Err() == nil {
		w, err := res.Watch(ctx, metav1.ListOptions{LabelSelector: labelSelector, AllowWatchBookmarks: true})
		if err == nil {
			backoff = time.Second
			for ev := range w.ResultChan() {
				if ev.Type != "BOOKMARK" {
					changed()
				}
			}
			w.Stop()
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}
