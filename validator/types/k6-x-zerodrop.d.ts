/** Types for zerodrop's own extension (`xk6-zerodrop`). */
declare module 'k6/x/zerodrop' {
  /**
   * Creates the folder (and parents) with mode 0700, makes it 0700, sets the umask to 077 so the report
   * files k6 writes are 0600, and returns the names already in it. Throws when it cannot.
   */
  export function privateFolder(path: string): string[];
  /** Bytes of memory a new process can still take (MemAvailable, cgroup v2 limit); 0 when unknown. */
  export function availableMemory(): number;
  /** Keeps a note for the rest of the k6 process, across VUs. */
  export function remember(key: string, value: string): void;
  /** A note kept by remember, or '' when none was. */
  export function recall(key: string): string;
  /**
   * The readings of Redis hashes kept in this k6 process for its VUs (the run's timeline), made on call.
   */
  export function sharedReadings(): {
    /**
     * Keeps `fields`, a Redis hash as a VU read it at `at` (epoch ms), as the process's reading of `key`,
     * unless one read later is kept: the other VUs take it instead of reading the hash again.
     */
    keepReading(key: string, at: number, fields: Record<string, string>): void;
    /** When the kept reading of `key` was read (epoch ms); 0 when none is kept. */
    readingAt(key: string): number;
    /** A copy of the kept reading of `key`, or null when none is kept. */
    reading(key: string): Record<string, string> | null;
  };
  /**
   * Decodes the WebSocket users' commonest message, a plain feed frame, in Go: JSON object, the feed
   * matcher's values, an integer JSON number at `seq`, a JSON number (or nothing) at `publishedAt`; and
   * counts a session's feed frames in sequence in Go (`session()`). Throws a TypeError for a spec or
   * options it cannot take, or a latency metric that is not a registered Trend.
   */
  export class FeedReader {
    constructor(
      feed: { match: Record<string, unknown>; seq: string; publishedAt?: string },
      options: { latencyMetric: string; giveUpAfterMs: number },
    );
    /**
     * The frame's sequence number and publish time (null when it has none), in one object reused by
     * every call; null for every other message, and for any it does not decide exactly as
     * validator/users/frames.ts does (the caller reads those in JavaScript).
     */
    read(text: string): { seq: number; ts: number | null } | null;
    /** A new feed session, for one WebSocket user. */
    session(): FeedSession;
    /**
     * What served the frames its sessions counted since the last take, or null when nothing did: per
     * second, and per pod the time k6 read its last frame (`lastNewConnection` always null).
     */
    take(): TakenTraffic | null;
    /** The longest a message counted by this reader's sessions waited (ms) since the last takeWait. */
    peekWait(): number;
    /** peekWait(), then starts over. */
    takeWait(): number;
  }

  /**
   * One WebSocket user's feed frames counted in Go between two looks from JavaScript. While armed and
   * before `until`, a plain frame that comes next in the sequence and waited less than the reader's
   * give-up time is counted here: its latency sample goes to the latency metric with the VU's tags and the
   * armed attribution, its latency to the per-second histogram. Anything else is left to JavaScript.
   */
  export interface FeedSession {
    /** Counts until `until` (epoch ms; null: no end) after `lastSeq` (null: the first frame starts it). */
    arm(until: number | null, lastSeq: number | null, phase: string, pod: string, color: string): void;
    disarm(): void;
    /** Counts the message (true) or leaves it to JavaScript (false). */
    count(data: unknown, timestamp: number | undefined): boolean;
    /**
     * What was counted since the last take (one object, reused by every take: read it at once), or null
     * when nothing was.
     */
    take(): FeedCounted | null;
  }

  export interface FeedCounted {
    count: number;
    lastSeq: number;
    /** When k6 read the last frame counted (ms, fractional), and its text. */
    lastFrameAt: number;
    lastText: string;
  }

  /** Per second, what served the responses or messages; per pod, its last response or frame. */
  export interface TakenTraffic {
    seconds: CountedSeconds;
    /** Epoch ms; `lastNewConnection` null where no new connection was seen. */
    pods: [pod: string, lastServed: number, lastNewConnection: number | null][];
  }

  /**
   * Per epoch second: how many messages or responses each pod and color served, and their latency
   * histogram (validator/run/per-second.ts latencyBucket → how many).
   */
  export type CountedSeconds = [
    second: number,
    counts: [pod: string, color: string, count: number][],
    buckets: [bucket: number, count: number][],
  ][];

  /**
   * The HTTP users' identity check in Go (validator/users/http-user.ts checkIdentity): decides a response
   * is the expected one — a 2xx that does not mean "not authenticated", no Set-Cookie, a JSON body naming
   * the user (and session id, where the profile compares it) as strings equal to the ones given — exactly
   * as checkIdentity would, and records it as checkIdentity does: the zd_requests sample with its
   * {phase, pod, color, status} tags, the rollout-phase sample, and, for `take`, the per-second counts,
   * latency buckets and pods' traffic. Anything else (and anything it does not decide exactly as
   * JavaScript does) it leaves unrecorded for checkIdentity. Throws a TypeError for a profile section,
   * options or metrics it cannot take.
   */
  export class IdentityChecker {
    constructor(
      http: {
        identity: { user?: string; sessionId?: string };
        unauthorizedStatuses: number[];
        attribution?: {
          pod?: { header?: string; body?: string };
          color?: { header?: string; body?: string };
        };
      },
      options: { requestsMetric: string; rolloutMetric: string },
    );
    /** True when the response was the expected one and is recorded; false: checkIdentity's to check. */
    check(
      res: unknown,
      phase: string,
      sentAt: number,
      user: string | null,
      sessionId: string | null,
    ): boolean;
    /** What was recorded for the timeline since the last take, or null when nothing was. */
    take(): TakenTraffic | null;
  }
}
