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

/**
 * The client's `commands`, each retried on transient failures within `budgetMs` per call. A plain object
 * of one wrapper per command, made once: every Redis call of a run goes through it, and a proxy's trap,
 * a fresh async closure and a Go method looked up again per call cost a VU more than the command did. A
 * command that throws rather than rejects rejects, as an async wrapper's would.
 */
export function retrying<T extends object, K extends keyof T & string>(
  client: T,
  commands: readonly K[],
  pause: (ms: number) => Promise<void>,
  budgetMs = retryBudgetMs,
): Pick<T, K> {
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of commands) {
    const command = client[name];
    if (typeof command !== 'function') throw new TypeError(`the Redis client has no command '${name}'`);
    const attempt = (args: unknown[], started: number, tries: number): Promise<unknown> => {
      let result: Promise<unknown>;
      try {
        result = command.apply(client, args);
      } catch (error) {
        result = Promise.reject(error);
      }
      return result.catch((error: unknown) => {
        if (!isTransient(error) || Date.now() - started >= budgetMs) throw error;
        return pause(retryDelayMs(tries)).then(() => attempt(args, started, tries + 1));
      });
    };
    wrapped[name] = (...args: unknown[]) => attempt(args, Date.now(), 0);
  }
  return wrapped as Pick<T, K>;
}
