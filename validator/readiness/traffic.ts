/**
 * What the users saw each pod do, for readiness on drain: recorded by every VU (control.ts
 * TrafficRecorder), kept in the run's sorted sets, read back at the end. Pure: no k6 imports.
 */

/** What the users saw one pod serve (epoch ms; null where nothing was seen). */
export interface PodTraffic {
  /** The last response or WebSocket frame it served. */
  lastServed: number | null;
  /** The last new connection it accepted: an HTTP request on a fresh connection, or a WebSocket upgrade. */
  lastNewConnection: number | null;
  /** The first WebSocket it closed itself (a close from the server, clean or not). */
  firstClose: number | null;
}

export const noTraffic: PodTraffic = { lastServed: null, lastNewConnection: null, firstClose: null };

/** The later of two times, either of which may be unknown. */
export const later = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.max(a, b);
/** The earlier of two times, either of which may be unknown. */
export const earlier = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.min(a, b);

/** Two views of a pod's traffic as one: the later last times, the earlier first close. */
export function mergeTraffic(a: PodTraffic, b: PodTraffic): PodTraffic {
  return {
    lastServed: later(a.lastServed, b.lastServed),
    lastNewConnection: later(a.lastNewConnection, b.lastNewConnection),
    firstClose: earlier(a.firstClose, b.firstClose),
  };
}

/**
 * A sorted set read with `ZRANGE key 0 -1 WITHSCORES` as the Redis client returns it: a flat list
 * (RESP2: member, score, member, score…) or pairs (RESP3: [member, score]…), member → score.
 */
export function parseScores(reply: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (!Array.isArray(reply)) return out;
  const add = (member: unknown, score: unknown) => {
    const n = Number(score);
    if (typeof member === 'string' && Number.isFinite(n)) out.set(member, n);
  };
  if (reply.every((item) => Array.isArray(item))) {
    for (const pair of reply as unknown[][]) add(pair[0], pair[1]);
    return out;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) add(reply[i], reply[i + 1]);
  return out;
}
