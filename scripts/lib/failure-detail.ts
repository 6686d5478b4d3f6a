/**
 * The short cause a failure record carries into the report's breakdown — `GET /me: status 502`,
 * `POST /logout: error 1210: connection reset by peer`, `close 1006` — so a failed run says what kind
 * of failure it was and on which request, not only where. Pure.
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
  request: { method: string };
}

/** An HTTP failure: the request, then k6's error code and message for a connection error (status 0), else the status. */
export function httpFailureDetail(res: FailedResponse): string {
  const request = `${res.request.method} ${pathOf(res.url)}`;
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
