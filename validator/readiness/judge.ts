/**
 * Readiness on drain (issue 12 item 1), the verdict: every pod a rollout replaces must stop being a ready
 * endpoint before it stops accepting connections, and within READINESS_BOUND of the start of its
 * deletion; it must not accept a new connection later than READINESS_GRACE after it reported not ready.
 *
 * What "ready" is depends on where zerodrop looks (follow.ts):
 * - STRATEGY=none: the readiness path of the profile (`http.readiness.path`) on each instance the rollout
 *   actor reports, answered like a Kubernetes httpGet probe (200–399 ready, any other status not ready, no
 *   answer: the instance stopped accepting connections);
 * - Kubernetes: the Service's EndpointSlices (kube-events.ts).
 *
 * `judgeReadiness` compares what the tracker saw (tracker.ts) with what the users saw each pod serve
 * (traffic.ts), per replaced pod, with the times the report shows (deletion start, unready, last request
 * served, connections closed, exit). Pure: no k6 imports.
 */
import type { PodReadiness } from './tracker.ts';
import { earlier, noTraffic, type PodTraffic } from './traffic.ts';

export interface ReadinessRules {
  /** READINESS_BOUND: longest from a pod's deletion start to its not-ready report. */
  boundMs: number;
  /** READINESS_GRACE: how long after its not-ready report a pod may still accept a new connection. */
  graceMs: number;
}

/** One replaced pod's verdict and the times the report shows. */
export interface PodReadinessVerdict {
  pod: string;
  deletionStart: number;
  unready: number | null;
  lastServed: number | null;
  lastNewConnection: number | null;
  /** When it stopped accepting connections or closed its users' connections, whichever came first. */
  connectionsClosed: number | null;
  /** How `connectionsClosed` was seen. */
  closedBy: 'refused' | 'closed sockets' | null;
  exit: number | null;
  /** zd_readiness_on_drain: why it failed, null when it passed (or was not judged). */
  onDrain: string | null;
  /** zd_readiness_served_after_unready: why it failed, null when it passed (or was not judged). */
  servedAfterUnready: string | null;
  /** Why it was not judged (it never was seen ready, or the run ended first); null when judged. */
  notJudged: string | null;
}

/** What a report shows of the readiness check. */
export interface ReadinessReport {
  /** Where readiness was read: the profile's readiness path, or the Service's EndpointSlices. */
  source: string;
  boundMs: number;
  graceMs: number;
  pods: PodReadinessVerdict[];
}

/** `2.4 s` */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The stop a not-ready report must come before: the first sign that the pod stopped serving. */
function stopOf(
  p: PodReadiness,
  connectionsClosed: number | null,
  closedBy: PodReadinessVerdict['closedBy'],
): { at: number; what: string } | null {
  const stops: { at: number; what: string }[] = [];
  if (connectionsClosed !== null)
    stops.push({
      at: connectionsClosed,
      what: closedBy === 'refused' ? 'stopped accepting connections' : 'closed its connections',
    });
  if (p.exit !== null) stops.push({ at: p.exit, what: 'exited' });
  stops.sort((a, b) => a.at - b.at);
  return stops[0] ?? null;
}

/**
 * The verdict on every pod whose deletion started: pods never deleted are not replaced and not judged.
 * `endedAt` is when observation ended (a pod still ready then, past the bound, failed).
 */
export function judgeReadiness(
  observed: PodReadiness[],
  traffic: ReadonlyMap<string, PodTraffic>,
  rules: ReadinessRules,
  endedAt: number,
): PodReadinessVerdict[] {
  const verdicts: PodReadinessVerdict[] = [];
  const bound = seconds(rules.boundMs);
  for (const p of observed) {
    if (p.deletionStart === null) continue;
    const start = p.deletionStart;
    const after = (t: number) => seconds(t - start);
    const seen = traffic.get(p.pod) ?? noTraffic;
    // A socket it closed before its deletion started is not its drain.
    const firstClose = seen.firstClose !== null && seen.firstClose >= start ? seen.firstClose : null;
    const connectionsClosed = earlier(p.refused, firstClose);
    const closedBy =
      connectionsClosed === null ? null : connectionsClosed === p.refused ? 'refused' : 'closed sockets';
    const verdict: PodReadinessVerdict = {
      pod: p.pod,
      deletionStart: start,
      unready: p.unready,
      lastServed: seen.lastServed,
      lastNewConnection: seen.lastNewConnection,
      connectionsClosed,
      closedBy,
      exit: p.exit,
      onDrain: null,
      servedAfterUnready: null,
      notJudged: null,
    };
    verdicts.push(verdict);
    if (!p.seenReady) {
      verdict.notJudged = 'never seen ready: its readiness was not followed';
      continue;
    }
    const stop = stopOf(p, connectionsClosed, closedBy);
    if (p.unready === null) {
      if (stop !== null) {
        verdict.onDrain = `readiness answered ready until it ${stop.what}, ${after(stop.at)} after its deletion started`;
      } else if (endedAt - start > rules.boundMs) {
        verdict.onDrain = `still ready when the run ended, ${after(endedAt)} after its deletion started (READINESS_BOUND ${bound})`;
      } else {
        verdict.notJudged = `the run ended ${after(endedAt)} after its deletion started, before it reported not ready`;
      }
      continue;
    }
    if (stop !== null && p.unready >= stop.at) {
      verdict.onDrain = `reported not ready only after it ${stop.what} (not ready ${after(p.unready)}, ${stop.what} ${after(stop.at)} after its deletion started)`;
    } else if (p.unready - start > rules.boundMs) {
      verdict.onDrain = `reported not ready ${after(p.unready)} after its deletion started (READINESS_BOUND ${bound})`;
    }
    if (seen.lastNewConnection !== null && seen.lastNewConnection > p.unready + rules.graceMs) {
      verdict.servedAfterUnready = `accepted a new connection ${seconds(seen.lastNewConnection - p.unready)} after it reported not ready (READINESS_GRACE ${seconds(rules.graceMs)})`;
    }
  }
  return verdicts.sort((a, b) => a.deletionStart - b.deletionStart || a.pod.localeCompare(b.pod));
}
