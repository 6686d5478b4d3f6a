/**
 * Readiness on drain on Kubernetes: what the watch events of a Service's EndpointSlices and of its pods
 * tell the tracker (tracker.ts). An endpoint is ready while its `serving` condition holds (`ready` where
 * `serving` is absent, true where both are), and not ready once that fails or the endpoint leaves every
 * slice. A terminating endpoint is never `ready`, so `serving` is what follows the pod's own readiness
 * probe while it drains. Pure: no k6 imports.
 */
import type { ReadinessTracker } from './tracker.ts';

/** One EndpointSlice endpoint, as the API serves it (discovery.k8s.io/v1). */
interface SliceEndpoint {
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  targetRef?: { kind?: string; name?: string };
}

/**
 * The pods of one EndpointSlice and whether each is ready in the sense of this check: `serving` (the pod's
 * readiness, also while it terminates), else `ready`; a condition the API leaves out counts as true, as
 * the API asks consumers to read it. Endpoints that are not pods are left out.
 */
export function sliceEndpoints(slice: { endpoints?: SliceEndpoint[] | null }): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const e of slice.endpoints ?? []) {
    if (e.targetRef?.kind !== 'Pod' || !e.targetRef.name) continue;
    const c = e.conditions ?? {};
    const ready = c.serving ?? c.ready ?? true;
    // A pod in two slices (IPv4 and IPv6) is ready while either says so.
    out.set(e.targetRef.name, (out.get(e.targetRef.name) ?? false) || ready !== false);
  }
  return out;
}

/** A watch event as k6/x/kubernetes hands it over: its type, the object, and when it arrived (epoch ms). */
export interface WatchEvent {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: API objects are open-ended
  object: any;
  at: number;
}

/**
 * The endpoints of one Service across its EndpointSlices, from watch events: after each event, every pod
 * that is or was an endpoint gets a look — ready, not ready, or not ready because it left every slice.
 */
export class ServiceEndpoints {
  private readonly slices = new Map<string, Map<string, boolean>>();
  private readonly known = new Set<string>();

  apply(event: WatchEvent, tracker: ReadinessTracker): void {
    const name = String(event.object?.metadata?.name ?? '');
    if (name === '' || !['ADDED', 'MODIFIED', 'DELETED'].includes(event.type)) return;
    if (event.type === 'DELETED') this.slices.delete(name);
    else this.slices.set(name, sliceEndpoints(event.object));
    const ready = new Map<string, boolean>();
    for (const endpoints of this.slices.values())
      for (const [pod, r] of endpoints) ready.set(pod, (ready.get(pod) ?? false) || r);
    for (const pod of ready.keys()) this.known.add(pod);
    for (const pod of this.known) tracker.probe(pod, ready.get(pod) ? 'ready' : 'unready', event.at);
  }
}

/**
 * A pod watch event's news for the tracker: its deletion started (deletionTimestamp set), it exited (a
 * container terminated, the pod finished, or it was deleted). The event's arrival is the time: the API's
 * own timestamps have a resolution of a second.
 */
export function applyPodEvent(event: WatchEvent, tracker: ReadinessTracker): void {
  const pod = event.object?.metadata?.name;
  if (typeof pod !== 'string' || !['ADDED', 'MODIFIED', 'DELETED'].includes(event.type)) return;
  if (event.object.metadata.deletionTimestamp) tracker.deleting(pod, event.at);
  const statuses: { state?: { terminated?: unknown } }[] = event.object.status?.containerStatuses ?? [];
  const phase = event.object.status?.phase;
  if (
    event.type === 'DELETED' ||
    phase === 'Succeeded' ||
    phase === 'Failed' ||
    statuses.some((s) => s.state?.terminated)
  ) {
    // A pod deleted at once (grace period 0) was deleting from that moment too.
    if (event.type === 'DELETED') tracker.deleting(pod, event.at);
    tracker.exited(pod, event.at);
  }
}

/** `app=web,tier=front` from matchLabels (a Deployment's selector). */
export function labelSelector(matchLabels: Record<string, string>): string {
  return Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
