/**
 * A recorded rolling restart for the timeline tests, made the way a run makes it: per-VU recorders
 * (per-second.ts) flushed as blobs into a `seconds` hash, pod events as the `pods` hash, failures per second.
 *
 * 60 s from t0. Rollout 1 from 10 s to 40 s. pod-a and pod-b are ready before the run; pod-c is created at
 * 12 s and ready at 14 s, pod-a terminates at 15 s and is gone at 18 s; pod-d is created at 20 s and ready
 * at 22 s, pod-b is unready at 24.5 s, terminating at 25 s and gone at 29 s. Every ready pod that is not
 * terminating answers 10 requests a second (5 ms; 300 ms at 25 s and 26 s). Four WebSocket sessions on
 * pod-a move to pod-c at 15 s and four on pod-b move to pod-d at 25 s (reconnects); every session gets a
 * feed message a second (20 ms). pod-b fails 3 requests at 25 s and closes one socket abnormally at 26 s;
 * an unattributed 401 comes at 40 s. Sessions end at 59 s.
 */

import { parsePods } from '../../validator/rollout/pod-events.ts';
import { PerSecond } from '../../validator/run/per-second.ts';
import type { SeriesPoint } from '../../validator/verdict/report/breakdown.ts';
import { parseSeconds, type TimelineInput } from '../../validator/verdict/report/timeline-data.ts';

export const t0 = 1_700_000_000;
const ms = (s: number) => (t0 + s) * 1000;

export const podsHash: Record<string, string> = {
  'pod-a|ready': String(ms(-60)),
  'pod-b|ready': String(ms(-60)),
  'pod-c|created': String(ms(12)),
  'pod-c|ready': String(ms(14)),
  'pod-a|terminating': String(ms(15)),
  'pod-a|gone': String(ms(18)),
  'pod-d|created': String(ms(20)),
  'pod-d|ready': String(ms(22)),
  'pod-b|unready': String(ms(24.5)),
  'pod-b|terminating': String(ms(25)),
  'pod-b|gone': String(ms(29)),
};

/** Two writers (an HTTP VU and a WebSocket VU), each flushed every 10 s, like TrafficRecorder. */
export function secondsHash(): Record<string, string> {
  const http = new PerSecond();
  const ws = new PerSecond();
  const hash: Record<string, string> = {};
  const serving = (s: number) =>
    [
      s < 15 ? 'pod-a' : null,
      s < 25 ? 'pod-b' : null,
      s >= 14 ? 'pod-c' : null,
      s >= 22 ? 'pod-d' : null,
    ].filter((p): p is string => p !== null);
  for (let s = 0; s < 60; s++) {
    for (const pod of serving(s))
      for (let i = 0; i < 10; i++) {
        http.count(ms(s) + i, 'http', pod, 'default');
        http.latency(ms(s) + i, 'http', s === 25 || s === 26 ? 300 : 5);
      }
    if (s === 0)
      for (const pod of ['pod-a', 'pod-b'])
        for (let i = 0; i < 4; i++) ws.count(ms(s), 'open', pod, 'default');
    for (const [at, from, to] of [
      [15, 'pod-a', 'pod-c'],
      [25, 'pod-b', 'pod-d'],
    ] as const)
      if (s === at)
        for (let i = 0; i < 4; i++) {
          ws.count(ms(s), 'close', from, 'default');
          ws.count(ms(s) + 500, 'open', to, 'default');
          ws.count(ms(s) + 500, 'reconnect', to, 'default');
        }
    const feedPods = [s < 15 ? 'pod-a' : 'pod-c', s < 25 ? 'pod-b' : 'pod-d'];
    for (const pod of feedPods)
      for (let i = 0; i < 4; i++) {
        ws.count(ms(s) + 100, 'feed', pod, 'default');
        ws.latency(ms(s) + 100, 'feed', 20);
      }
    if (s === 59)
      for (const pod of ['pod-c', 'pod-d'])
        for (let i = 0; i < 4; i++) ws.count(ms(s), 'close', pod, 'default');
    if (s % 10 === 9) {
      hash[`h.${s}`] = http.take();
      hash[`w.${s}`] = ws.take();
    }
  }
  return hash;
}

export const failureSeries: SeriesPoint[] = [
  { second: t0 + 25, key: 'zd_http_conn_errors|default|pod-b', count: 3 },
  { second: t0 + 26, key: 'zd_ws_abnormal_closes|default|pod-b', count: 1 },
  { second: t0 + 40, key: 'zd_auth_lost|default|unknown', count: 1 },
];

export function rollingRestart(): TimelineInput {
  return {
    seconds: parseSeconds(secondsHash()),
    failures: failureSeries,
    pods: parsePods(podsHash),
    rollouts: [{ index: 1, start: ms(10), end: ms(40) }],
    breakdown: [
      {
        invariant: 'zd_http_conn_errors',
        phase: 'rollout',
        pod: 'pod-b',
        color: 'default',
        detail: 'EOF',
        count: 3,
      },
      {
        invariant: 'zd_ws_abnormal_closes',
        phase: 'rollout',
        pod: 'pod-b',
        color: 'default',
        detail: 'close 1006',
        count: 1,
      },
      { invariant: 'zd_auth_lost', phase: 'rollout', pod: 'unknown', color: 'default', detail: '', count: 1 },
    ],
  };
}
