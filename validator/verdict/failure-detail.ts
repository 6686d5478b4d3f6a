/**
 * The short cause a failure record carries into the report's breakdown — `GET /me: status 502`,
 * `POST /logout (reused connection): error 1220: connection reset by peer`, `close 1006` — so a failed
 * run says what kind of failure it was and on which request, not only where; and where a connection that
 * was never made goes (the address that refused it). Pure.
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

/** Who a failure is attributed to (the breakdown's pod and color columns). */
export interface FailedAt {
  pod: string;
  color: string;
}

/**
 * The address a URL dials: its host and port (the scheme's default when it names none), without
 * credentials — `127.0.0.1:31889`, `session-app.shop.svc:80`, `[::1]:443`.
 */
export function dialedAddress(url: string): string {
  const match = /^([a-z][a-z\d+.-]*):\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url);
  if (!match) return 'unknown';
  const [, scheme = '', authority = ''] = match;
  const host = authority.toLowerCase();
  if (/:\d+$/.test(host)) return host;
  return `${host}:${/^(?:https|wss)$/i.test(scheme) ? 443 : 80}`;
}

/**
 * The address that refused an HTTP request's connection: k6's dial errors (1210–1213: refused, timed
 * out, unreachable) mean no connection was made, so no pod answered; the refusal came from the address
 * dialled — the Service or load balancer address, or a pod's own when the client dials a pod. Null when
 * a connection was made (the answer's attribution stands). k6 gives no address in `error`
 * (`dial: connection refused`), so it is read from the URL.
 */
export function httpRefusedBy(res: { status: number; error_code: number; url: string }): string | null {
  return res.status === 0 && dialErrors.includes(res.error_code) ? dialedAddress(res.url) : null;
}

/**
 * The same for a WebSocket handshake: an error from the dial (`dial tcp 10.0.0.7:80: connect: connection
 * refused`) means no connection was made; the address is the URL's, as for HTTP, so one balancer is
 * named the same way by both.
 */
export function wsRefusedBy(url: string, error: string | undefined): string | null {
  return /\bdial (?:tcp|udp)[46]? \S+: /.test(error ?? '') ? dialedAddress(url) : null;
}

/**
 * Where a failure goes: the address that refused a connection never made (its color unknown), else who
 * served the answer.
 */
export function failedAt(served: FailedAt, refusedBy: string | null): FailedAt {
  return refusedBy === null ? served : { pod: refusedBy, color: 'unknown' };
}

/** A WebSocket close: its code, `none` when the connection ended without one. */
export function closeDetail(code: number | undefined): string {
  return `close ${code ?? 'none'}`;
}

/** A failure described by an error message (a WebSocket handshake error). */
export function errorDetail(message: string | undefined): string {
  return condense(message ?? '') || 'unknown error';
}

/** Where in its connection a feed gap or repeat came, for its cause. */
export interface FeedPlace {
  /** The sequence number before it and the one that came. */
  after: number | null;
  came: number;
  /** Feed messages received on this connection, this one included. */
  onConnection: number;
  /**
   * The pod serving this connection (null: not known, its greeting has not come), and the one that
   * served the connection before it (null: none).
   */
  pod: string | null;
  podBefore: string | null;
  /** The sequence number this connection resumed from (null: it sent no resume cursor). */
  resumedFrom: number | null;
}

/**
 * `after seq 2550 came 2558: 7 missing; first message after a reconnect (pod-a → pod-b), resumed from
 * seq 2550`: the gap range, and whether it came at a reconnect (which pods, what cursor was sent) or in
 * the middle of a connection.
 */
export function feedGapDetail(place: FeedPlace, what: string): string {
  const { after, came, onConnection, pod, podBefore, resumedFrom } = place;
  const head = after === null ? `seq ${came}: ${what}` : `after seq ${after} came ${came}: ${what}`;
  const serving = pod ?? 'pod not known: no greeting came before it';
  if (podBefore === null) return `${head}; message ${onConnection} of the first connection (${serving})`;
  const cursor = resumedFrom === null ? 'no resume cursor sent' : `resumed from seq ${resumedFrom}`;
  const at = onConnection === 1 ? 'first message' : `message ${onConnection}`;
  return `${head}; ${at} after a reconnect (${podBefore} → ${serving}), ${cursor}`;
}
