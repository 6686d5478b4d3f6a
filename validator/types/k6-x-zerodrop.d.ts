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
   * Decodes the WebSocket users' commonest message, a plain feed frame, in Go: JSON object, the feed
   * matcher's values, an integer JSON number at `seq`, a JSON number (or nothing) at `publishedAt`.
   * Throws a TypeError for a spec it cannot read.
   */
  export class FeedReader {
    constructor(feed: { match: Record<string, unknown>; seq: string; publishedAt?: string });
    /**
     * The frame's sequence number and publish time (null when it has none), in one object reused by
     * every call; null for every other message, and for any it does not decide exactly as
     * validator/users/frames.ts does (the caller reads those in JavaScript).
     */
    read(text: string): { seq: number; ts: number | null } | null;
  }
}
