/**
 * A Service endpoint in front of one reference-service process, as kube-proxy gives a pod: connections
 * made while it is listed are forwarded to the process; `remove()` takes it out of the list — new
 * connections are refused, so nginx tries the next upstream — while established ones carry on, as
 * conntrack keeps them. That removal is what precedes a pod's SIGTERM in a rolling update; without it a
 * closing process would still be handed new connections, a failure of the harness, not the service.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface Endpoint {
  readonly port: number;
  /** Stops accepting new connections; established ones continue. */
  remove(): void;
  /** Ends every connection still open (the process is gone). */
  close(): void;
}

export function startEndpoint(port: number, targetPort: number): Promise<Endpoint> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        port,
        remove: () => {
          if (server.listening) server.close();
        },
        close: () => {
          if (server.listening) server.close();
          for (const socket of sockets) socket.destroy();
        },
      });
    });
  });
}
