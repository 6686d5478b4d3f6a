package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"go.k6.io/k6/v2/js/modules"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// fieldManager owns the fields that apply sets. Apply forces conflicts: zerodrop's manifests win
// over fields another manager (kubectl, a controller) set, as `kubectl apply --server-side --force-conflicts`.
const fieldManager = "zerodrop"

var patchTypes = map[string]types.PatchType{
	"merge":     types.MergePatchType,
	"strategic": types.StrategicMergePatchType,
	"json":      types.JSONPatchType,
}

var selfSubjectAccessReviews = authorizationv1.SchemeGroupVersion.WithResource("selfsubjectaccessreviews")

// Kubernetes is the JS object that `new Kubernetes(opts)` returns; its exported methods are its JS API.
// Calls block until the API server answers or the timeout passes.
type Kubernetes struct {
	vu      modules.VU
	timeout time.Duration
	dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper // kind → resource, discovered once per client
}

func newKubernetes(vu modules.VU, cfg *rest.Config, timeout time.Duration) (*Kubernetes, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	return &Kubernetes{vu: vu, timeout: timeout, dynamic: dyn, mapper: mapper}, nil
}

// Apply server-side applies each object of a YAML or JSON manifest (documents split by ---), in
// order. The whole manifest is decoded first, so a malformed document applies nothing.
func (k *Kubernetes) Apply(manifest string) error {
	objs, err := decodeManifest(manifest)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	for _, u := range objs {
		_, err := call(k, "apply "+objectTarget(u), func(ctx context.Context) (*unstructured.Unstructured, error) {
			ri, err := k.objectResource(u)
			if err != nil {
				return nil, err
			}
			return ri.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Create creates an object and returns it as stored.
func (k *Kubernetes) Create(obj map[string]any) (map[string]any, error) {
	u := &unstructured.Unstructured{Object: obj}
	created, err := call(k, "create "+objectTarget(u), func(ctx context.Context) (*unstructured.Unstructured, error) {
		ri, err := k.objectResource(u)
		if err != nil {
			return nil, err
		}
		return ri.Create(ctx, u, metav1.CreateOptions{FieldManager: fieldManager})
	})
	if err != nil {
		return nil, err
	}
	return created.Object, nil
}

// Get returns one object. An empty namespace means "default" for namespaced kinds.
func (k *Kubernetes) Get(kind, name, namespace string) (map[string]any, error) {
	got, err := call(k, "get "+target(kind, namespace, name), func(ctx context.Context) (*unstructured.Unstructured, error) {
		ri, err := k.kindResource(kind, orDefault(namespace))
		if err != nil {
			return nil, err
		}
		return ri.Get(ctx, name, metav1.GetOptions{})
	})
	if err != nil {
		return nil, err
	}
	return got.Object, nil
}

// List returns the objects of a kind in a namespace; an empty namespace means all namespaces.
func (k *Kubernetes) List(kind, namespace string) ([]any, error) {
	list, err := call(k, "list "+target(kind, namespace, ""), func(ctx context.Context) (*unstructured.UnstructuredList, error) {
		ri, err := k.kindResource(kind, namespace)
		if err != nil {
			return nil, err
		}
		return ri.List(ctx, metav1.ListOptions{})
	})
	if err != nil {
		return nil, err
	}
	items := make([]any, len(list.Items))
	for i, u := range list.Items {
		items[i] = u.Object
	}
	return items, nil
}

// Update replaces an object (PUT); a stale metadata.resourceVersion fails with a conflict (409).
func (k *Kubernetes) Update(obj map[string]any) (map[string]any, error) {
	u := &unstructured.Unstructured{Object: obj}
	updated, err := call(k, "update "+objectTarget(u), func(ctx context.Context) (*unstructured.Unstructured, error) {
		ri, err := k.objectResource(u)
		if err != nil {
			return nil, err
		}
		return ri.Update(ctx, u, metav1.UpdateOptions{FieldManager: fieldManager})
	})
	if err != nil {
		return nil, err
	}
	return updated.Object, nil
}

// Delete deletes one object. An empty namespace means "default" for namespaced kinds.
func (k *Kubernetes) Delete(kind, name, namespace string) error {
	_, err := call(k, "delete "+target(kind, namespace, name), func(ctx context.Context) (struct{}, error) {
		ri, err := k.kindResource(kind, orDefault(namespace))
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, ri.Delete(ctx, name, metav1.DeleteOptions{})
	})
	return err
}

// Patch patches one object with a JSON merge patch ("merge"), a strategic merge patch ("strategic",
// built-in kinds only) or a JSON patch ("json"), and returns the patched object.
func (k *Kubernetes) Patch(kind, name, namespace, patch, patchType string) (map[string]any, error) {
	patched, err := call(k, "patch "+target(kind, namespace, name), func(ctx context.Context) (*unstructured.Unstructured, error) {
		pt, ok := patchTypes[patchType]
		if !ok {
			return nil, fmt.Errorf("patch type %q is not merge, strategic or json", patchType)
		}
		ri, err := k.kindResource(kind, orDefault(namespace))
		if err != nil {
			return nil, err
		}
		return ri.Patch(ctx, name, pt, []byte(patch), metav1.PatchOptions{FieldManager: fieldManager})
	})
	if err != nil {
		return nil, err
	}
	return patched.Object, nil
}

// Can tells whether the caller may do verb (get, list, watch, create, update, patch, delete, …) on
// objects of kind in namespace (empty: in all namespaces), by a SelfSubjectAccessReview.
func (k *Kubernetes) Can(verb, kind, namespace string) (bool, error) {
	return call(k, "can "+verb+" "+target(kind, namespace, ""), func(ctx context.Context) (bool, error) {
		if verb == "" {
			return false, errors.New("empty verb")
		}
		gk, err := parseKind(kind)
		if err != nil {
			return false, err
		}
		m, err := k.mapping(gk)
		if err != nil {
			return false, err
		}
		if m.Scope.Name() == meta.RESTScopeNameRoot {
			namespace = ""
		}
		review := &authorizationv1.SelfSubjectAccessReview{
			TypeMeta: metav1.TypeMeta{APIVersion: authorizationv1.SchemeGroupVersion.String(), Kind: "SelfSubjectAccessReview"},
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: namespace, Verb: verb, Group: m.Resource.Group, Resource: m.Resource.Resource,
			}},
		}
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(review)
		if err != nil {
			return false, err
		}
		created, err := k.dynamic.Resource(selfSubjectAccessReviews).Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		err = runtime.DefaultUnstructuredConverter.FromUnstructured(created.Object, review)
		return review.Status.Allowed, err
	})
}

// call runs one API request, bounded by the client's timeout and the VU's context, and names the
// operation in its error.
func call[T any](k *Kubernetes, op string, request func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(k.vu.Context(), k.timeout)
	defer cancel()
	v, err := request(ctx)
	if err != nil {
		return v, fmt.Errorf("%s: %w", op, explain(err))
	}
	return v, nil
}

// mapping resolves a kind through the cached discovery. A kind the cache lacks triggers one fresh
// discovery, so kinds served since the first lookup (a new CRD) are found too.
func (k *Kubernetes) mapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	m, err := k.mapper.RESTMapping(gk, versions...)
	if meta.IsNoMatchError(err) {
		k.mapper.Reset()
		m, err = k.mapper.RESTMapping(gk, versions...)
	}
	return m, err
}

// resource is the API endpoint of a mapping, in namespace unless the kind is cluster-scoped.
func (k *Kubernetes) resource(m *meta.RESTMapping, namespace string) dynamic.ResourceInterface {
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		return k.dynamic.Resource(m.Resource)
	}
	return k.dynamic.Resource(m.Resource).Namespace(namespace)
}

func (k *Kubernetes) kindResource(kind, namespace string) (dynamic.ResourceInterface, error) {
	gk, err := parseKind(kind)
	if err != nil {
		return nil, err
	}
	m, err := k.mapping(gk)
	if err != nil {
		return nil, err
	}
	return k.resource(m, namespace), nil
}

// objectResource is the endpoint of an object, by its apiVersion, kind and metadata.namespace.
func (k *Kubernetes) objectResource(u *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := u.GroupVersionKind()
	if gvk.Kind == "" || gvk.Version == "" {
		return nil, errors.New("the object needs apiVersion and kind")
	}
	m, err := k.mapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	return k.resource(m, orDefault(u.GetNamespace())), nil
}

// parseKind reads "Kind" (core group) or "Kind.group", e.g. "Deployment.apps" or
// "EndpointSlice.discovery.k8s.io".
func parseKind(kind string) (schema.GroupKind, error) {
	gk := schema.ParseGroupKind(kind)
	if gk.Kind == "" {
		return gk, fmt.Errorf("kind %q is not Kind or Kind.group (e.g. Pod, Deployment.apps)", kind)
	}
	return gk, nil
}

// decodeManifest splits a YAML or JSON manifest into its objects, skipping empty documents.
func decodeManifest(manifest string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	var objs []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("manifest document %d: %w", doc, err)
		}
		if len(obj) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: obj}
		if u.GetAPIVersion() == "" || u.GetKind() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("manifest document %d: apiVersion, kind and metadata.name are required", doc)
		}
		objs = append(objs, u)
	}
	if len(objs) == 0 {
		return nil, errors.New("the manifest has no objects")
	}
	return objs, nil
}

func orDefault(namespace string) string {
	if namespace == "" {
		return metav1.NamespaceDefault
	}
	return namespace
}

// target names what an operation acts on in its error: "Deployment.apps shop/web".
func target(kind, namespace, name string) string {
	switch {
	case namespace != "" && name != "":
		return kind + " " + namespace + "/" + name
	case namespace != "":
		return kind + " in " + namespace
	case name != "":
		return kind + " " + name
	}
	return kind
}

func objectTarget(u *unstructured.Unstructured) string {
	kind := u.GetKind()
	if group := u.GroupVersionKind().Group; group != "" {
		kind += "." + group
	}
	name := u.GetName()
	if name == "" {
		name = u.GetGenerateName() + "*"
	}
	return target(kind, u.GetNamespace(), name)
}

// explain rewrites an API status error as "reason: message (code)", e.g.
// `forbidden: secrets "db" is forbidden: User "…" cannot get … (403)`, so that scripts can tell
// forbidden, not found and conflict apart by the reason or the trailing code. Other errors pass as they are.
func explain(err error) error {
	var api apierrors.APIStatus
	if !errors.As(err, &api) {
		return err
	}
	s := api.Status()
	reason := spaceWords(string(s.Reason))
	if reason == "" {
		reason = strings.ToLower(http.StatusText(int(s.Code)))
	}
	return fmt.Errorf("%s: %s (%d)", reason, s.Message, s.Code)
}

// spaceWords turns a CamelCase status reason into lower-case words: "AlreadyExists" → "already exists".
func spaceWords(reason string) string {
	var b strings.Builder
	for i, r := range reason {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
