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

export class PerSecond {
  private seconds = new Map<number, SecondRecord>();

  private second(epochMs: number): SecondRecord {
    const s = Math.floor(epochMs / 1000);
    let record = this.seconds.get(s);
    if (!record) {
      record = [s, {}, {}];
      this.seconds.set(s, record);
    }
    return record;
  }

  count(epochMs: number, activity: Activity, pod: string, color: string): void {
    const counts = this.second(epochMs)[1];
    const key = `${activity}|${pod}|${color}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }

  latency(epochMs: number, kind: 'http' | 'feed', ms: number): void {
    const latency = this.second(epochMs)[2];
    const buckets = latency[kind] ?? {};
    latency[kind] = buckets;
    const b = latencyBucket(ms);
    buckets[b] = (buckets[b] ?? 0) + 1;
  }

  /** The seconds recorded since the last take, as one JSON blob ('' when none), and forgets them. */
  take(): string {
    if (this.seconds.size === 0) return '';
    const blob = JSON.stringify([...this.seconds.values()]);
    this.seconds = new Map();
    return blob;
  }
}
