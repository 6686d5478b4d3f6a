package kube

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// maxBufferedEvents bounds what a Watch keeps between two calls of Events: a script that stops reading
// loses the oldest events (and Error says so) rather than growing without bound.
const maxBufferedEvents = 100_000

// Watch is the JS object that `watch(kind, namespace, opts)` returns: it lists the objects, then watches
// them from the list's resourceVersion in the background (re-established when the API server ends a
// watch), and buffers every event with the time it arrived.
type Watch struct {
	mu      sync.Mutex
	events  []any
	err     string
	dropped int
	cancel  context.CancelFunc
	done    chan struct{}
	now     func() time.Time
}

// watchOptions are the JS options of watch: labelSelector and fieldSelector, as in kubectl.
func watchOptions(raw map[string]any) (metav1.ListOptions, error) {
	var o metav1.ListOptions
	for key, v := range raw {
		if v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("option %s must be a string, not %T", key, v)
		}
		switch key {
		case "labelSelector":
			o.LabelSelector = s
		case "fieldSelector":
			o.FieldSelector = s
		default:
			return o, fmt.Errorf("unknown option %q (known: labelSelector, fieldSelector)", key)
		}
	}
	return o, nil
}

// Watch starts watching the objects of a kind in a namespace (empty: all namespaces) that match
// opts.labelSelector and opts.fieldSelector. The objects that exist come first, as ADDED events. The
// first list is done before Watch returns, so a forbidden or unknown kind throws at once; the watch
// itself runs until Stop, the VU's end, or an error it cannot recover from (Error then says which).
func (k *Kubernetes) Watch(kind, namespace string, opts map[string]any) (*Watch, error) {
	listOpts, err := watchOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", target(kind, namespace, ""), err)
	}
	ri, err := call(k, "watch "+target(kind, namespace, ""), func(context.Context) (dynamic.ResourceInterface, error) {
		return k.kindResource(kind, namespace)
	})
	if err != nil {
		return nil, err
	}
	list, err := call(k, "watch "+target(kind, namespace, ""), func(ctx context.Context) (*unstructured.UnstructuredList, error) {
		return ri.List(ctx, listOpts)
	})
	if err != nil {
		return nil, err
	}
	watchFunc := func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.LabelSelector, o.FieldSelector = listOpts.LabelSelector, listOpts.FieldSelector
		return ri.Watch(ctx, o)
	}
	return startWatch(k.vu.Context(), list, watchFunc, time.Now), nil
}

// startWatch buffers the list's items as ADDED events, then follows watchFunc from the list's
// resourceVersion until ctx ends or Stop is called.
func startWatch(
	ctx context.Context,
	list *unstructured.UnstructuredList,
	watchFunc func(context.Context, metav1.ListOptions) (watch.Interface, error),
	now func() time.Time,
) *Watch {
	ctx, cancel := context.WithCancel(ctx)
	w := &Watch{cancel: cancel, done: make(chan struct{}), now: now}
	for i := range list.Items {
		w.add(watch.Added, list.Items[i].Object)
	}
	go w.follow(ctx, list.GetResourceVersion(), watchFunc)
	return w
}

func (w *Watch) follow(
	ctx context.Context,
	resourceVersion string,
	watchFunc func(context.Context, metav1.ListOptions) (watch.Interface, error),
) {
	defer close(w.done)
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, resourceVersion, &cache.ListWatch{WatchFuncWithContext: watchFunc})
	if err != nil {
		w.fail(err.Error())
		return
	}
	defer rw.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case event, ok := <-rw.ResultChan():
			if !ok {
				if ctx.Err() == nil {
					w.fail("the watch ended")
				}
				return
			}
			switch event.Type {
			case watch.Added, watch.Modified, watch.Deleted:
				if u, ok := event.Object.(*unstructured.Unstructured); ok {
					w.add(event.Type, u.Object)
				} else if obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(event.Object); err == nil {
					w.add(event.Type, obj)
				}
			case watch.Error:
				w.fail(apierrors.FromObject(event.Object).Error())
				return
			}
		}
	}
}

func (w *Watch) add(t watch.EventType, obj map[string]any) {
	at := w.now().UnixMilli()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.events) >= maxBufferedEvents {
		w.events = w.events[1:]
		w.dropped++
	}
	w.events = append(w.events, map[string]any{"type": string(t), "object": obj, "at": at})
}

func (w *Watch) fail(reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == "" {
		w.err = reason
	}
}

// Events returns the events buffered since the last call, oldest first, and forgets them: each is
// {type: 'ADDED'|'MODIFIED'|'DELETED', object, at} with `at` the time it arrived, in epoch milliseconds.
func (w *Watch) Events() []any {
	w.mu.Lock()
	defer w.mu.Unlock()
	events := w.events
	w.events = nil
	return events
}

// Error is why the watch ended on its own (forbidden, the resourceVersion expired, events dropped
// unread), or "" while it runs or after Stop.
func (w *Watch) Error() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == "" && w.dropped > 0 {
		return fmt.Sprintf("%d events dropped: Events was not called for too long", w.dropped)
	}
	return w.err
}

// Stop ends the watch and waits for its goroutine; idempotent.
func (w *Watch) Stop() {
	w.cancel()
	<-w.done
}
