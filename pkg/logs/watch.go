package logs

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// podWatch follows the debug pods of one run (one watch for all of them), so waiting on a pod reads
// memory instead of polling the API server: with 1,000 nodes, polling each pod every 200 ms was
// thousands of requests a second, all throttled.
type podWatch struct {
	store   cache.Store
	changed chan struct{} // closed, and replaced, on every change
}

// watch starts following this run's debug pods until ctx ends; Pods' waits use it from then on.
func (p *Pods) watch(ctx context.Context) error {
	pods := p.Client.CoreV1().Pods(p.Namespace)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = Selector
			return pods.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = Selector
			return pods.Watch(ctx, o)
		},
	}
	inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{})
	w := &podWatch{store: inf.GetStore(), changed: make(chan struct{})}
	notify := func(any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		close(w.changed)
		w.changed = make(chan struct{})
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: notify, DeleteFunc: notify, UpdateFunc: func(_, o any) { notify(o) },
	}); err != nil {
		return err
	}
	go inf.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("watch debug pods in %s: %w", p.Namespace, ctx.Err())
	}
	p.mu.Lock()
	p.watched = w
	p.mu.Unlock()
	return nil
}

// waitFor returns once done says so for pod name (nil until the pod is seen), reading the run's
// watch when there is one, else the API server every 200 ms.
func (p *Pods) waitFor(ctx context.Context, name string, done func(*corev1.Pod) (bool, error)) error {
	for {
		p.mu.Lock()
		w := p.watched
		var changed <-chan struct{}
		if w != nil {
			changed = w.changed
		}
		p.mu.Unlock()
		var pod *corev1.Pod
		if w != nil {
			if obj, ok, _ := w.store.GetByKey(p.Namespace + "/" + name); ok {
				pod = obj.(*corev1.Pod)
			}
		} else {
			got, err := p.Client.CoreV1().Pods(p.Namespace).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get debug pod %s/%s: %w", p.Namespace, name, err)
			}
			pod = got
		}
		if ok, err := done(pod); ok || err != nil {
			return err
		}
		var tick <-chan time.Time
		if w == nil {
			tick = time.After(200 * time.Millisecond)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-tick:
		}
	}
}

// cannotStart says why a pod's container cannot start ("" when nothing says so).
func cannotStart(pod *corev1.Pod) string {
	for _, s := range pod.Status.ContainerStatuses {
		if w := s.State.Waiting; w != nil && (strings.Contains(w.Reason, "Err") || strings.Contains(w.Reason, "BackOff")) {
			return w.Reason + ": " + w.Message
		}
	}
	return ""
}
