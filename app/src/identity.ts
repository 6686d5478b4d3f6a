/**
 * X-Pod, X-Color and X-Version: on every response, including errors, 401s, WebSocket upgrades and the
 * 400s Node's HTTP parser triggers for malformed requests.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

export interface Identity {
  readonly podName: string;
  readonly color: string;
  readonly version: string;
}

export function identityHeaders(identity: Identity): Record<string, string> {
  return { 'x-pod': identity.podName, 'x-color': identity.color, 'x-version': identity.version };
}

/** Fastify's clientErrorHandler: the default one's answers, plus the identity headers. */
export function clientErrorAnswer(identity: Identity) {
  const headerLines = Object.entries(identityHeaders(identity))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: STATUS_CODES[status] });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${headerLines}\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
