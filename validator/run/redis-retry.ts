/**
 * Run control survives a Redis blip (a restart, a failover of a few seconds): every command of a run's
 * client is retried while its failure is a connection one, for at most `budgetMs`; after that the error
 * reaches the caller, which names it (the audit as REDIS_URL, exit 108) instead of killing the VU.
 * Pure: no k6 imports (the pause comes from the caller).
 */

/** The longest a command is retried: a Redis restart takes a few seconds. */
export const retryBudgetMs = 15_000;

/** A failure of the connection, not of the command: worth retrying. Pure. */
export function isTransient(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /dial tcp|connection refused|connection reset|broken pipe|\bEOF\b|i\/o timeout|closed network connection|^LOADING|pool timeout/i.test(
    text,
  );
}

/** The pause before retry `attempt` (0-based): 50 ms doubling to at most 1 s. Pure. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1000, 50 * 2 ** attempt);
}

/** The client with every method retried on transient failures, within `budgetMs` per call. */
export function retrying<T extends object>(
  client: T,
  pause: (ms: number) => Promise<void>,
  budgetMs = retryBudgetMs,
): T {
  // The proxy's target is a plain object: a Go-backed client's properties are read-only, and a proxy of
  // it may not hand out anything but them.
  return new Proxy({} as T, {
    get(_, name) {
      const value = Reflect.get(client, name) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const started = Date.now();
        for (let attempt = 0; ; attempt++) {
          try {
            return await value.apply(client, args);
          } catch (error) {
            if (!isTransient(error) || Date.now() - started >= budgetMs) throw error;
            await pause(retryDelayMs(attempt));
          }
        }
      };
    },
  });
}
