/**
 * The short cause a failure record carries into the report's breakdown — `GET /me: status 502`,
 * `POST /logout (reused connection): error 1220: connection reset by peer`, `close 1006` — so a failed
 * run says what kind of failure it was and on which request, not only where. Pure.
 */

const maxLength = 80;

/** Strips what differs between occurrences of one cause (URLs, socket addresses) and the field separator. */
function condense(message: string): string {
  return message
    .replace(/^[A-Za-z]+ "[^"]*": /, '')
    .replace(/\b(?:[a-z]+ )?(?:tcp|udp)[46]? \S+: /g, '')
    .replace(/\|/g, '/')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, maxLength);
}

interface FailedResponse {
  status: number;
  error_code: number;
  error: string;
  url: string;
  request: { method: string; headers?: Record<string, string[]> };
  timings?: { connecting: number };
}

export type ConnectionKind = 'new' | 'reused';

/** k6's dial errors (1210–1213): no connection existed, so the request was on a new one. */
const dialErrors = [1210, 1211, 1212, 1213];

/**
 * Whether a request went on a new connection or a reused (kept-alive) one, as the OpenShift disruption
 * monitor splits them: a request that asked `Connection: close` (a new connection per request) or failed
 * to dial is new; an answered request is new when k6 timed a TCP connect; any other failure of a
 * keep-alive client (reset, EOF: k6 records no timings for those) is counted reused. Null when the
 * response carries neither headers nor timings (not a k6 response).
 */
export function connectionKind(res: FailedResponse): ConnectionKind | null {
  const headers = res.request.headers;
  if (headers === undefined && res.timings === undefined) return null;
  const connection = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'connection');
  if (connection?.[1].some((v) => v.toLowerCase() === 'close')) return 'new';
  if (res.status === 0) return dialErrors.includes(res.error_code) ? 'new' : 'reused';
  return (res.timings?.connecting ?? 0) > 0 ? 'new' : 'reused';
}

/**
 * An HTTP failure: the request and the connection it went on, then k6's error code and message for a
 * connection error (status 0), else the status.
 */
export function httpFailureDetail(res: FailedResponse): string {
  const kind = connectionKind(res);
  const request = `${res.request.method} ${pathOf(res.url)}${kind === null ? '' : ` (${kind} connection)`}`;
  if (res.status !== 0) return `${request}: status ${res.status}`;
  const message = condense(res.error ?? '');
  return `${request}: error ${res.error_code}${message ? `: ${message}` : ''}`;
}

function pathOf(url: string): string {
  return url.replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/\?.*$/, '') || '/';
}

/** A WebSocket close: its code, `none` when the connection ended without one. */
export function closeDetail(code: number | undefined): string {
  return `close ${code ?? 'none'}`;
}

/** A failure described by an error message (a WebSocket handshake error). */
export function errorDetail(message: string | undefined): string {
  return condense(message ?? '') || 'unknown error';
}
