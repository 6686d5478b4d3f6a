package kube

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
)

func TestWatchOptions(t *testing.T) {
	o, err := watchOptions(map[string]any{"labelSelector": "app=web", "fieldSelector": "metadata.name=x", "x": nil})
	if err != nil || o.LabelSelector != "app=web" || o.FieldSelector != "metadata.name=x" {
		t.Fatalf("watchOptions: %+v, %v", o, err)
	}
	if o, err := watchOptions(nil); err != nil || o.LabelSelector != "" {
		t.Fatalf("no options: %+v, %v", o, err)
	}
	for name, raw := range map[string]map[string]any{
		"unknown option": {"selector": "app=web"},
		"non-string":     {"labelSelector": int64(1)},
	} {
		if _, err := watchOptions(raw); err == nil {
			t.Errorf("%s: accepted %v", name, raw)
		}
	}
}

func object(name, rv string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Pod")
	u.SetName(name)
	u.SetResourceVersion(rv)
	return u
}

// fakeWatches hands out one FakeWatcher per watch call and records the resourceVersion each started from.
type fakeWatches struct {
	mu       sync.Mutex
	started  []string
	watchers chan *watch.FakeWatcher
}

func newFakeWatches() *fakeWatches {
	return &fakeWatches{watchers: make(chan *watch.FakeWatcher, 10)}
}

func (f *fakeWatches) watch(_ context.Context, o metav1.ListOptions) (watch.Interface, error) {
	f.mu.Lock()
	f.started = append(f.started, o.ResourceVersion+"|"+o.LabelSelector)
	f.mu.Unlock()
	w := watch.NewFakeWithChanSize(10, false)
	f.watchers <- w
	return w, nil
}

func (f *fakeWatches) next(t *testing.T) *watch.FakeWatcher {
	t.Helper()
	select {
	case w := <-f.watchers:
		return w
	case <-time.After(5 * time.Second):
		t.Fatal("no watch was started")
		return nil
	}
}

// eventsUntil polls Events until it has n events or a second passed.
func eventsUntil(w *Watch, n int) []map[string]any {
	var got []map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		for _, e := range w.Events() {
			got = append(got, e.(map[string]any))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return got
}

func summary(events []map[string]any) string {
	var parts []string
	for _, e := range events {
		obj := e["object"].(map[string]any)
		parts = append(parts, e["type"].(string)+" "+obj["metadata"].(map[string]any)["name"].(string))
	}
	return strings.Join(parts, ", ")
}

func TestWatchListsThenFollowsAndResumes(t *testing.T) {
	list := &unstructured.UnstructuredList{Items: []unstructured.Unstructured{*object("a", "5"), *object("b", "6")}}
	list.SetResourceVersion("7")
	clock := time.UnixMilli(1_700_000_000_000)
	fakes := newFakeWatches()
	w := startWatch(context.Background(), list, func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.LabelSelector = "app=web"
		return fakes.watch(ctx, o)
	}, func() time.Time { return clock })
	defer w.Stop()

	first := fakes.next(t)
	first.Modify(object("a", "8"))
	first.Delete(object("b", "9"))
	got := eventsUntil(w, 4)
	if s := summary(got); s != "ADDED a, ADDED b, MODIFIED a, DELETED b" {
		t.Fatalf("events: %s", s)
	}
	if got[0]["at"] != int64(1_700_000_000_000) {
		t.Errorf("at: %v (%T)", got[0]["at"], got[0]["at"])
	}
	if more := w.Events(); len(more) != 0 {
		t.Errorf("Events returned %d events again", len(more))
	}

	// The API server ends a watch now and then: it is re-established from the last resourceVersion.
	first.Stop()
	second := fakes.next(t)
	second.Add(object("c", "10"))
	if s := summary(eventsUntil(w, 1)); s != "ADDED c" {
		t.Fatalf("after the watch was re-established: %s", s)
	}
	fakes.mu.Lock()
	started := strings.Join(fakes.started, " ")
	fakes.mu.Unlock()
	if started != "7|app=web 9|app=web" {
		t.Errorf("watches started from %s", started)
	}
	if w.Error() != "" {
		t.Errorf("Error: %q", w.Error())
	}
}

func TestWatchEndsOnAnErrorItCannotRecoverFrom(t *testing.T) {
	list := &unstructured.UnstructuredList{}
	list.SetResourceVersion("3")
	fakes := newFakeWatches()
	w := startWatch(context.Background(), list, fakes.watch, time.Now)
	defer w.Stop()
	// The resourceVersion it would resume from is gone from etcd's history (410): no retry can help.
	gone := apierrors.NewResourceExpired("too old resource version: 3 (40)")
	fakes.next(t).Error(&gone.ErrStatus)
	deadline := time.Now().Add(5 * time.Second)
	for w.Error() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(w.Error(), "too old resource version") {
		t.Fatalf("Error: %q", w.Error())
	}
}

func TestWatchStopsWithItsContextAndOnStop(t *testing.T) {
	list := &unstructured.UnstructuredList{}
	list.SetResourceVersion("3")
	ctx, cancel := context.WithCancel(context.Background())
	fakes := newFakeWatches()
	w := startWatch(ctx, list, fakes.watch, time.Now)
	fakes.next(t)
	cancel() // the VU ended
	select {
	case <-w.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the watch outlived its context")
	}
	w.Stop()
	w.Stop() // idempotent
	if w.Error() != "" {
		t.Errorf("Error after the context ended: %q", w.Error())
	}
}

func TestWatchDropsTheOldestEventsPastItsBuffer(t *testing.T) {
	w := &Watch{now: time.Now}
	for i := 0; i < maxBufferedEvents+2; i++ {
		w.add(watch.Added, object("x", "1").Object)
	}
	if n := len(w.Events()); n != maxBufferedEvents {
		t.Errorf("kept %d events", n)
	}
	if !strings.Contains(w.Error(), "2 events dropped") {
		t.Errorf("Error: %q", w.Error())
	}
}
