/**
 * The timeline's data, shaped for drawing: the VUs' per-second activity blobs (per-second.ts) merged by
 * second, the pod lifecycle events (pod-events.ts), the failures per second, and the rollout windows,
 * turned into columns of a common time axis: one lane per pod (its states, requests, messages and open
 * WebSocket sessions, its failures), traffic per color, WebSocket sessions and reconnects, latency p99
 * (HTTP and feed), failures by invariant. Runs in handleSummary only. Pure: no k6 imports.
 */

import type { PodEvent, PodEvents } from '../../rollout/pod-events.ts';
import { bucketsPerDoubling, type SecondRecord } from '../../run/per-second.ts';
import type { BreakdownRow, SeriesPoint } from './breakdown.ts';

/** At most this many columns: longer runs put several seconds in a column. */
export const maxColumns = 600;

/** Merges the `seconds` hash's blobs (one per VU flush) by second; a malformed blob is skipped. */
export function parseSeconds(hash: Record<string, string>): SecondRecord[] {
  const bySecond = new Map<number, SecondRecord>();
  for (const blob of Object.values(hash)) {
    let records: unknown;
    try {
      records = JSON.parse(blob);
    } catch {
      continue;
    }
    if (!Array.isArray(records)) continue;
    for (const record of records) {
      if (!Array.isArray(record) || typeof record[0] !== 'number') continue;
      const [second, counts, latency] = record as SecondRecord;
      const merged = bySecond.get(second) ?? ([second, {}, {}] as SecondRecord);
      bySecond.set(second, merged);
      addCounts(merged[1], counts ?? {});
      for (const [kind, buckets] of Object.entries(latency ?? {})) {
        merged[2][kind] = merged[2][kind] ?? {};
        addCounts(merged[2][kind], buckets);
      }
    }
  }
  return [...bySecond.values()].sort((a, b) => a[0] - b[0]);
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) if (Number.isFinite(n)) into[key] = (into[key] ?? 0) + n;
}

/** The rollout windows (`rollout:<k>:start|end` in the timeline hash, epoch ms), by index. */
export function parseRollouts(
  hash: Record<string, string>,
): { index: number; start: number; end: number | null }[] {
  const out: { index: number; start: number; end: number | null }[] = [];
  for (const [field, value] of Object.entries(hash)) {
    const m = /^rollout:(\d+):start$/.exec(field);
    if (!m || !Number.isFinite(Number(value))) continue;
    const end = Number(hash[`rollout:${m[1]}:end`]);
    out.push({
      index: Number(m[1]),
      start: Number(value),
      end: Number.isFinite(end) && end > 0 ? end : null,
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** A rollout's window with the latency p99 (ms) of the seconds it spans; null where no sample. */
export interface RolloutLatency {
  index: number;
  start: number;
  end: number | null;
  httpP99Ms: number | null;
  feedP99Ms: number | null;
}

/**
 * Latency p99 per rollout window (the seconds from its start to its end, merged over the VUs), so a run
 * of many rollouts shows drift between its first and its last. A rollout with no end runs to the last
 * second recorded.
 */
export function latencyPerRollout(
  seconds: readonly SecondRecord[],
  rollouts: readonly { index: number; start: number; end: number | null }[],
): RolloutLatency[] {
  return rollouts.map((rollout) => {
    const from = Math.floor(rollout.start / 1000);
    const to = rollout.end === null ? Number.POSITIVE_INFINITY : Math.floor(rollout.end / 1000);
    const merged = { http: {} as Record<string, number>, feed: {} as Record<string, number> };
    for (const [second, , latency] of seconds) {
      if (second < from || second > to) continue;
      addCounts(merged.http, latency?.http ?? {});
      addCounts(merged.feed, latency?.feed ?? {});
    }
    return { ...rollout, httpP99Ms: p99(merged.http), feedP99Ms: p99(merged.feed) };
  });
}

/** The latency below which 99 % of a histogram's samples lie (a bucket's upper bound, ≤ 9 % above). */
export function p99(buckets: Record<string, number> | undefined): number | null {
  const entries = Object.entries(buckets ?? {})
    .map(([b, n]) => [Number(b), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.ceil(0.99 * total);
  let seen = 0;
  for (const [b, n] of entries) {
    seen += n;
    if (seen >= rank) return Number((2 ** (b / bucketsPerDoubling)).toPrecision(3));
  }
  return null;
}

export type LaneState = 'starting' | 'ready' | 'unready' | 'terminating' | 'seen';

export interface PodLane {
  pod: string;
  /** Colors the pod served as. */
  colors: string[];
  /** States over time, in seconds from the chart's start, clamped to it. */
  spans: { state: LaneState; from: number; to: number }[];
  /** Its lifecycle events in seconds from the chart's start (not clamped: they may precede it). */
  events: Partial<Record<PodEvent, number>>;
  /** Per column: identity requests answered, feed messages, WebSocket sessions open at its end, failures. */
  requests: number[];
  messages: number[];
  sockets: number[];
  failures: number[];
  /** Failures the breakdown attributes to the pod. */
  failed: number;
}

export interface TimelineModel {
  /** Epoch second of column 0. */
  start: number;
  /** Seconds per column. */
  step: number;
  columns: number;
  rollouts: { index: number; from: number; to: number }[];
  pods: PodLane[];
  colors: { color: string; served: number[] }[];
  /** Open WebSocket sessions at each column's end and reconnects in it; null without WebSocket activity. */
  sockets: { open: number[]; reconnects: number[] } | null;
  /** p99 per column in ms; null where no sample. */
  latency: { http: (number | null)[]; feed: (number | null)[] };
  failures: { invariant: string; counts: number[] }[];
}

export interface TimelineInput {
  seconds: SecondRecord[];
  /** Failures per second (`invariant|color|pod`; older runs `invariant|color`). */
  failures: SeriesPoint[];
  pods?: PodEvents;
  rollouts?: { index: number; start: number; end: number | null }[];
  /** The first rollout's start and the last one's end (epoch ms), when no window per rollout is known. */
  rolloutStart?: number | null;
  rolloutEnd?: number | null;
  breakdown?: BreakdownRow[];
}

/** Pods with no attribution are counted under this name. */
const unattributed = 'unknown';

export function shapeTimeline(input: TimelineInput): TimelineModel | null {
  const pods = input.pods ?? {};
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const second of [...input.seconds.map((r) => r[0]), ...input.failures.map((p) => p.second)]) {
    first = Math.min(first, second);
    last = Math.max(last, second);
  }
  if (!Number.isFinite(first)) return null;
  const span = last - first + 1;
  const step = Math.max(1, Math.ceil(span / maxColumns));
  const columns = Math.ceil(span / step);
  const total = columns * step;
  const column = (second: number) => Math.min(columns - 1, Math.max(0, Math.floor((second - first) / step)));
  const offset = (ms: number) => ms / 1000 - first;
  const clamp = (s: number) => Math.min(total, Math.max(0, s));
  const zeros = () => new Array<number>(columns).fill(0);

  const lanes = new Map<string, PodLane>();
  const lane = (pod: string): PodLane => {
    let l = lanes.get(pod);
    if (!l) {
      l = {
        pod,
        colors: [],
        spans: [],
        events: {},
        requests: zeros(),
        messages: zeros(),
        sockets: zeros(),
        failures: zeros(),
        failed: 0,
      };
      lanes.set(pod, l);
    }
    return l;
  };
  const colors = new Map<string, number[]>();
  const socketDelta = new Map<string, number[]>();
  const reconnects = zeros();
  let wsActivity = false;
  const latencyBuckets = { http: [] as Record<string, number>[], feed: [] as Record<string, number>[] };
  const firstActive = new Map<string, number>();
  const lastActive = new Map<string, number>();

  for (const [second, counts, latency] of input.seconds) {
    const c = column(second);
    for (const [key, n] of Object.entries(counts)) {
      const [activity = '', pod = unattributed, color = unattributed] = key.split('|');
      const l = lane(pod || unattributed);
      if (activity === 'http' || activity === 'feed') {
        const into = activity === 'http' ? l.requests : l.messages;
        into[c] = (into[c] ?? 0) + n;
        const served = colors.get(color) ?? zeros();
        colors.set(color, served);
        served[c] = (served[c] ?? 0) + n;
        if (!l.colors.includes(color)) l.colors.push(color);
        firstActive.set(l.pod, Math.min(firstActive.get(l.pod) ?? second, second));
        lastActive.set(l.pod, Math.max(lastActive.get(l.pod) ?? second, second));
      } else if (activity === 'open' || activity === 'close') {
        wsActivity = true;
        const delta = socketDelta.get(l.pod) ?? zeros();
        socketDelta.set(l.pod, delta);
        delta[c] = (delta[c] ?? 0) + (activity === 'open' ? n : -n);
      } else if (activity === 'reconnect') {
        wsActivity = true;
        reconnects[c] = (reconnects[c] ?? 0) + n;
      }
    }
    for (const kind of ['http', 'feed'] as const) {
      const from = latency[kind];
      if (!from) continue;
      latencyBuckets[kind][c] = latencyBuckets[kind][c] ?? {};
      addCounts(latencyBuckets[kind][c], from);
    }
  }

  const failures = new Map<string, number[]>();
  for (const p of input.failures) {
    const [invariant = '', , pod] = p.key.split('|');
    const c = column(p.second);
    const counts = failures.get(invariant) ?? zeros();
    failures.set(invariant, counts);
    counts[c] = (counts[c] ?? 0) + p.count;
    if (pod !== undefined) {
      const l = lane(pod || unattributed);
      l.failures[c] = (l.failures[c] ?? 0) + p.count;
    }
  }
  for (const row of input.breakdown ?? []) if (row.pod) lane(row.pod).failed += row.count;
  for (const pod of Object.keys(pods)) lane(pod);

  const open = zeros();
  for (const l of lanes.values()) {
    const delta = socketDelta.get(l.pod);
    let running = 0;
    for (let c = 0; c < columns; c++) {
      running += delta?.[c] ?? 0;
      l.sockets[c] = Math.max(0, running);
      open[c] = (open[c] ?? 0) + (l.sockets[c] ?? 0);
    }
    const events = pods[l.pod] ?? {};
    for (const [event, ms] of Object.entries(events)) l.events[event as PodEvent] = offset(ms);
    l.spans = spans(l.events, total, clamp, firstActive.get(l.pod), lastActive.get(l.pod), first, step);
  }

  const order = (l: PodLane) =>
    l.pod === unattributed
      ? Number.POSITIVE_INFINITY
      : Math.min(
          l.events.created ?? l.events.ready ?? Number.POSITIVE_INFINITY,
          (firstActive.get(l.pod) ?? Number.POSITIVE_INFINITY) - first,
        );
  const windows = input.rollouts?.length
    ? input.rollouts
    : input.rolloutStart != null
      ? [{ index: 0, start: input.rolloutStart, end: input.rolloutEnd ?? null }]
      : [];

  return {
    start: first,
    step,
    columns,
    rollouts: windows.map((w) => ({
      index: w.index,
      from: clamp(offset(w.start)),
      to: clamp(w.end === null ? total : offset(w.end)),
    })),
    pods: [...lanes.values()].sort((a, b) => order(a) - order(b) || a.pod.localeCompare(b.pod)),
    colors: [...colors.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([color, served]) => ({ color, served })),
    sockets: wsActivity ? { open, reconnects } : null,
    latency: {
      http: Array.from({ length: columns }, (_, c) => p99(latencyBuckets.http[c])),
      feed: Array.from({ length: columns }, (_, c) => p99(latencyBuckets.feed[c])),
    },
    failures: [...failures.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([invariant, counts]) => ({ invariant, counts })),
  };
}

/**
 * A lane's states from its events: starting (created → ready), ready (→ unready, terminating or gone),
 * unready (→ terminating or gone), terminating (→ gone). A pod known by its traffic alone is `seen` from
 * its first to its last active second; one whose lifecycle starts before the chart is ready from its start.
 */
function spans(
  e: Partial<Record<PodEvent, number>>,
  total: number,
  clamp: (s: number) => number,
  firstActive: number | undefined,
  lastActive: number | undefined,
  start: number,
  step: number,
): PodLane['spans'] {
  const out: PodLane['spans'] = [];
  const push = (state: LaneState, from: number, to: number) => {
    const a = clamp(from);
    const b = clamp(to);
    if (b > a) out.push({ state, from: a, to: b });
  };
  const known = Object.keys(e).length > 0;
  if (!known) {
    if (firstActive !== undefined && lastActive !== undefined)
      push('seen', firstActive - start, Math.min(total, lastActive - start + step));
    return out;
  }
  const end = e.gone ?? total;
  const leaving = Math.min(e.unready ?? end, e.terminating ?? end, end);
  if (e.created !== undefined) push('starting', e.created, e.ready ?? leaving);
  if (e.ready !== undefined || e.created === undefined) push('ready', e.ready ?? 0, leaving);
  if (e.unready !== undefined && e.unready < (e.terminating ?? end))
    push('unready', e.unready, e.terminating ?? end);
  if (e.terminating !== undefined) push('terminating', e.terminating, end);
  return out;
}
