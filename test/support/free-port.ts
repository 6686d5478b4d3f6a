/**
 * A TCP port that was free on 127.0.0.1 a moment ago, chosen where no outgoing connection can take it
 * meanwhile: below the kernel's ephemeral range (ip_local_port_range, where connect() picks source
 * ports — k6 and nginx open thousands of connections during a run) and below Kubernetes' NodePort range
 * (30000–32767, which kube-proxy's rules on 127.0.0.1 would capture). The fleet keeps ports unbound
 * between two instances, so a port from the ephemeral range could be taken by any connection in that
 * time (seen: EADDRINUSE on a fleet endpoint port in a no-Kubernetes run). A port is also never handed
 * out twice in one process: a fleet's idle endpoint port and a child's port not yet bound look free to
 * a bind test, and a later call would hand them out again (seen in CI: an app's port chosen on a
 * fleet's idle endpoint port, EADDRINUSE at the next rollout). Only another process's listener started
 * in the meantime can still take one.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const lowest = 20_000;
const nodePortRangeStart = 30_000;
const attempts = 200;
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (Linux), or null where it cannot be read. */
function ephemeralStart(): number | null {
  try {
    const start = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(start) ? start : null;
  } catch {
    return null;
  }
}

function bindable(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(address && typeof address === 'object' ? address.port : null));
    });
  });
}

export async function freePort(): Promise<number> {
  const highest = Math.min(ephemeralStart() ?? lowest, nodePortRangeStart) - 1;
  if (highest > lowest) {
    for (let i = 0; i < attempts; i++) {
      const candidate = lowest + Math.floor(Math.random() * (highest - lowest + 1));
      if (handedOut.has(candidate)) continue;
      const port = await bindable(candidate);
      if (port !== null) return handOut(port);
    }
  }
  // No room below the ephemeral range on this machine: let the kernel choose (callers retry on EADDRINUSE).
  const port = await bindable(0);
  if (port === null) throw new Error('could not bind a free port on 127.0.0.1');
  return handOut(port);
}

function handOut(port: number): number {
  handedOut.add(port);
  return port;
}
