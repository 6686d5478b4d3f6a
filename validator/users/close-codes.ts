/** Classifies WebSocket closes. Pure: no k6 imports. */

export type CloseClass =
  /** The client closed it (end of run). */
  | 'client'
  /** A clean going-away / service restart from the server: reconnect and resume. */
  | 'clean'
  /** The server rejected the session. */
  | 'unauthorized'
  /** Anything else: 1006 (no close frame), 1011, unexpected codes. */
  | 'abnormal';

export interface CloseCodePolicy {
  cleanCloseCodes: readonly number[];
  unauthorizedCloseCodes?: readonly number[];
}

/** `code` is undefined when k6 reports none (no close frame: the TCP connection just ended). */
export function classifyClose(
  code: number | undefined,
  closedByClient: boolean,
  policy: CloseCodePolicy,
): CloseClass {
  if (closedByClient) return 'client';
  if (code === undefined) return 'abnormal';
  if (policy.unauthorizedCloseCodes?.includes(code)) return 'unauthorized';
  if (policy.cleanCloseCodes.includes(code)) return 'clean';
  return 'abnormal';
}

/** Exponential backoff with full jitter, capped; `random` in [0, 1). */
export function backoffMs(attempt: number, random: number, baseMs = 100, capMs = 3000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}
