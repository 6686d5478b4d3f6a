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
}
