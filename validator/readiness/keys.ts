/**
 * The run keys (`zdrun:<runId>:<name>`) readiness on drain uses, named once: what the users saw each pod
 * do (sorted sets, one per field of PodTraffic, scored by epoch ms), what the follower saw, and teardown's
 * verdict, which the summary reads. Pure.
 */
import type { PodReadiness } from './tracker.ts';
import type { PodTraffic } from './traffic.ts';

/** Per PodTraffic field: its sorted set, and whether the set keeps the latest (GT) or the earliest (LT). */
export const podTrafficSets: Record<keyof PodTraffic, { key: string; keep: 'GT' | 'LT' }> = {
  lastServed: { key: 'pod-served', keep: 'GT' },
  lastNewConnection: { key: 'pod-new-connection', keep: 'GT' },
  firstClose: { key: 'pod-first-close', keep: 'LT' },
};

/** What the follower saw (follow.ts), as teardown reads it back. */
export interface Observed {
  source: string;
  endedAt: number;
  pods: PodReadiness[];
}

export const observedKey = 'readiness-observed';
export const reportKey = 'readiness-report';

/** Every readiness key, for the expiry the audit sets on all run keys. */
export const readinessKeys = [...Object.values(podTrafficSets).map((s) => s.key), observedKey, reportKey];
