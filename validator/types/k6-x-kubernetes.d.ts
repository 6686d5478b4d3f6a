/**
 * Types for `k6/x/kubernetes` as zerodrop's extension (xk6-kube) serves it: the generic API of
 * grafana/xk6-kubernetes (apply, create, get, list, update, delete) plus zerodrop's patch, can and watch.
 * Every call blocks until the API server answers or the client's timeout passes, and throws an Error
 * whose message is `<op> <Kind> <namespace>/<name>: <reason>: <message> (<HTTP code>)` for API errors,
 * e.g. `get Secret shop/db: forbidden: secrets "db" is forbidden: … (403)`.
 */
declare module 'k6/x/kubernetes' {
  /** How to reach the API server. Undefined values count as absent; unknown keys throw. */
  export interface KubernetesOptions {
    /** Kubeconfig file; its current context is used. */
    config_path?: string;
    /** API server URL, e.g. `https://127.0.0.1:6443`; needs `token`. TLS is not verified, as in xk6-kubernetes. */
    server?: string;
    /** Bearer token for `server`. */
    token?: string;
    /** Seconds each API request may take (default 30). zerodrop's addition. */
    timeout?: number;
  }

  export interface ObjectMeta {
    name?: string;
    generateName?: string;
    namespace?: string;
    resourceVersion?: string;
    [field: string]: unknown;
  }

  /** A Kubernetes object as JSON: what create and update take. */
  export interface KubeObjectSpec {
    apiVersion: string;
    kind: string;
    metadata: ObjectMeta;
    [field: string]: unknown;
  }

  /** A Kubernetes object as the API server returned it. */
  export interface KubeObjectResult extends KubeObjectSpec {
    metadata: ObjectMeta & { name: string; uid: string; resourceVersion: string };
  }

  /** `Kind` for the core group, else `Kind.group`: 'Pod', 'Deployment.apps', 'EndpointSlice.discovery.k8s.io'. */
  export type Kind = string;

  /** A JSON merge patch, a strategic merge patch (built-in kinds only) or a JSON patch (RFC 6902). */
  export type PatchType = 'merge' | 'strategic' | 'json';

  /** What `watch` takes: kubectl's selectors. */
  export interface WatchOptions {
    labelSelector?: string;
    fieldSelector?: string;
  }

  /** One change, as `Watch.events()` hands it over. */
  export interface WatchEvent {
    type: 'ADDED' | 'MODIFIED' | 'DELETED';
    object: KubeObjectResult;
    /** When the event arrived, in epoch milliseconds. */
    at: number;
  }

  /** A watch running in the background (zerodrop's addition). */
  export interface Watch {
    /** The events that arrived since the last call, oldest first (the objects that existed come first, as ADDED). */
    events(): WatchEvent[];
    /** Why the watch ended on its own (forbidden, its resourceVersion expired, events dropped unread); '' while it runs. */
    error(): string;
    /** Ends the watch; idempotent. */
    stop(): void;
  }

  export class Kubernetes {
    /**
     * server+token, else config_path, else the in-cluster service account, else $KUBECONFIG, else
     * ~/.kube/config. Does no I/O: may be called in the init context.
     */
    constructor(options?: KubernetesOptions);
    /**
     * Server-side applies each object of a YAML or JSON manifest (`---`-separated documents), in
     * order, as field manager `zerodrop`, forcing conflicts. A namespaced object without
     * metadata.namespace goes to `default`.
     */
    apply(manifest: string): void;
    create(obj: KubeObjectSpec): KubeObjectResult;
    /** An empty namespace means `default`; it is ignored for cluster-scoped kinds. */
    get(kind: Kind, name: string, namespace?: string): KubeObjectResult;
    /** An empty namespace means all namespaces. */
    list(kind: Kind, namespace?: string): KubeObjectResult[];
    /** Replaces the object (PUT); a stale metadata.resourceVersion throws a conflict (409). */
    update(obj: KubeObjectSpec): KubeObjectResult;
    /** An empty namespace means `default`. */
    delete(kind: Kind, name: string, namespace?: string): void;
    /** zerodrop's addition. `patch` is the patch document as JSON text. */
    patch(kind: Kind, name: string, namespace: string, patch: string, type: PatchType): KubeObjectResult;
    /**
     * zerodrop's addition: whether the caller may `verb` (get, list, watch, create, update, patch,
     * delete, …) objects of `kind` in `namespace` (empty: all namespaces), by a SelfSubjectAccessReview.
     */
    can(verb: string, kind: Kind, namespace?: string): boolean;
    /**
     * zerodrop's addition: lists the objects of `kind` in `namespace` (empty: all namespaces) matching
     * the selectors, then watches them from the list's resourceVersion in the background, re-established
     * when the API server ends it. A kind that cannot be listed throws at once.
     */
    watch(kind: Kind, namespace: string, options?: WatchOptions): Watch;
  }
}
