/**
 * Readiness on drain (issue 12 item 1), the per-pod state machine: what the run saw of each pod's
 * readiness, deletion and exit, fed by looks at its readiness (STRATEGY=none: its readiness path; on
 * Kubernetes: the Service's EndpointSlices, kube-events.ts). judge.ts turns it into a verdict per replaced
 * pod. Pure: no k6 imports.
 */

/** One look at a pod's readiness. */
export type Probe = 'ready' | 'unready' | 'refused';

/** What the run saw of one pod. Times are epoch milliseconds; null where it was not seen. */
export interface PodReadiness {
  pod: string;
  /** Its deletion started: the actor's report, or its deletionTimestamp appearing on Kubernetes. */
  deletionStart: number | null;
  /** The start of the not-ready stretch it never came back from (a ready answer clears it). */
  unready: number | null;
  /** The first probe it did not answer after it had been ready: it stopped accepting connections. */
  refused: number | null;
  /** Its process exited (the actor's report; on Kubernetes a container terminated, or the pod deleted). */
  exit: number | null;
  /** It was seen ready at least once (a pod never seen ready is not judged). */
  seenReady: boolean;
}

/** The per-pod state machine: ready ⇄ unready → refused, with deletion and exit marks. */
export class ReadinessTracker {
  private readonly pods = new Map<string, PodReadiness>();

  private entry(pod: string): PodReadiness {
    let entry = this.pods.get(pod);
    if (!entry) {
      entry = { pod, deletionStart: null, unready: null, refused: null, exit: null, seenReady: false };
      this.pods.set(pod, entry);
    }
    return entry;
  }

  /** Records one look at the pod's readiness at `at`. Later looks never move an earlier mark. */
  probe(pod: string, result: Probe, at: number): void {
    const p = this.entry(pod);
    if (p.refused !== null) return; // it stopped accepting connections: nothing after that changes it
    switch (result) {
      case 'ready':
        p.seenReady = true;
        p.unready = null; // back to ready (a dependency blip): a later stretch starts afresh
        break;
      case 'unready':
        p.unready ??= at;
        break;
      case 'refused':
        // A pod not yet listening (starting up) has not stopped accepting anything.
        if (p.seenReady) p.refused = at;
        break;
    }
  }

  /** Its deletion started (the earliest report wins). */
  deleting(pod: string, at: number): void {
    const p = this.entry(pod);
    p.deletionStart = p.deletionStart === null ? at : Math.min(p.deletionStart, at);
  }

  /** Its process exited (the earliest report wins). */
  exited(pod: string, at: number): void {
    const p = this.entry(pod);
    p.exit = p.exit === null ? at : Math.min(p.exit, at);
  }

  /** Whether the pod is still worth a look: known, not exited, still accepting connections. */
  following(pod: string): boolean {
    const p = this.pods.get(pod);
    return !p || (p.exit === null && p.refused === null);
  }

  isDeleting(pod: string): boolean {
    return (this.pods.get(pod)?.deletionStart ?? null) !== null;
  }

  all(): PodReadiness[] {
    return [...this.pods.values()].map((p) => ({ ...p }));
  }
}

/** A probe's answer as a Kubernetes httpGet probe judges it: 200–399 ready; no answer at all: refused. */
export function probeResult(status: number): Probe {
  if (status === 0) return 'refused';
  return status >= 200 && status < 400 ? 'ready' : 'unready';
}
