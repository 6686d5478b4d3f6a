/**
 * What a VU's users did each second, for the report's timeline: identity requests answered and feed
 * messages received by the pod and color that served them, WebSocket sessions opened (and which of them
 * were reconnects) and closed by pod, and log-bucketed latency histograms (HTTP identity requests, feed
 * messages) from which the report takes a p99 per second. Counted in memory per VU and flushed as one
 * blob every few seconds (control.ts), so a request costs a map increment, never a Redis call.
 * Pure: no k6 imports (it runs in every VU: keep it small; decoding is report/timeline-data.ts).
 */

/** What a second's counter counts: `http` identity requests answered, `feed` messages, WebSocket events. */
export type Activity = 'http' | 'feed' | 'open' | 'close' | 'reconnect';

/** Histogram buckets per doubling of the latency: each bucket is at most 9 % wide. */
export const bucketsPerDoubling = 8;
const lowestBucket = -32; // 1/16 ms and below
const highestBucket = 200; // ≈ 9 hours and above

/** Bucket b holds latencies in (2^((b-1)/8), 2^(b/8)] ms. */
export function latencyBucket(ms: number): number {
  if (!(ms > 0)) return lowestBucket;
  const b = Math.ceil(bucketsPerDoubling * Math.log2(ms));
  return Math.max(lowestBucket, Math.min(highestBucket, b));
}

/** One second of one writer: counts by `activity|pod|color`, latency buckets by kind. */
export type SecondRecord = [
  second: number,
  counts: Record<string, number>,
  latency: Record<string, Record<string, number>>,
];

/**
 * One second counted elsewhere (in Go: k6/x/zerodrop): its epoch second, how many by pod and color, and
 * [histogram bucket, how many] pairs.
 */
export type CountedSecond = [
  second: number,
  counts: [pod: string, color: string, count: number][],
  buckets: [bucket: number, count: number][],
];

function add<K>(counts: Map<K, number>, key: K, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** A second being counted: maps, cheaper than objects with dynamic keys in k6's JavaScript runtime. */
interface Counting {
  second: number;
  counts: Map<string, number>;
  http: Map<number, number>;
  feed: Map<number, number>;
}

export class PerSecond {
  private seconds = new Map<number, Counting>();
  /** The second counted last: nearly every call counts into the same one. */
  private last: Counting | null = null;

  private second(epochMs: number): Counting {
    return this.record(Math.floor(epochMs / 1000));
  }

  private record(second: number): Counting {
    if (this.last?.second === second) return this.last;
    let record = this.seconds.get(second);
    if (!record) {
      record = { second, counts: new Map(), http: new Map(), feed: new Map() };
      this.seconds.set(second, record);
    }
    this.last = record;
    return record;
  }

  count(epochMs: number, activity: Activity, pod: string, color: string): void {
    add(this.second(epochMs).counts, `${activity}|${pod}|${color}`, 1);
  }

  latency(epochMs: number, kind: 'http' | 'feed', ms: number): void {
    add(this.second(epochMs)[kind], latencyBucket(ms), 1);
  }

  /**
   * What was counted elsewhere (in Go), per epoch second: identity responses (`http`) or feed messages,
   * by pod and color, and their latency histogram buckets (`latencyBucket`'s) with how many fell in each.
   */
  countSeconds(kind: 'http' | 'feed', seconds: CountedSecond[]): void {
    // Index loops: for-of and array destructuring each cost an iterator in k6's runtime.
    for (let i = 0; i < seconds.length; i++) {
      const row = seconds[i] as CountedSecond;
      const record = this.record(row[0]);
      const counts = row[1];
      for (let j = 0; j < counts.length; j++) {
        const c = counts[j] as CountedSecond[1][number];
        add(record.counts, `${kind}|${c[0]}|${c[1]}`, c[2]);
      }
      const buckets = row[2];
      for (let j = 0; j < buckets.length; j++) {
        const b = buckets[j] as CountedSecond[2][number];
        add(record[kind], b[0], b[1]);
      }
    }
  }

  /** The seconds recorded since the last take, as one JSON blob ('' when none), and forgets them. */
  take(): string {
    if (this.seconds.size === 0) return '';
    const records: SecondRecord[] = [];
    for (const r of this.seconds.values()) {
      const latency: SecondRecord[2] = {};
      if (r.http.size > 0) latency.http = Object.fromEntries(r.http);
      if (r.feed.size > 0) latency.feed = Object.fromEntries(r.feed);
      records.push([r.second, Object.fromEntries(r.counts), latency]);
    }
    this.seconds = new Map();
    this.last = null;
    return JSON.stringify(records);
  }
}
