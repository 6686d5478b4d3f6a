/**
 * A real nginx (Debian's) as the load balancer in front of reference-service processes: round robin over
 * a fixed list of upstream ports, WebSocket upgrades proxied. Ports where nothing listens are skipped by
 * retrying a refused connect on the next upstream (nothing was sent, so it is safe for any method); an
 * upstream that fails after the request was sent is the client's failure, as behind kube-proxy. The list
 * never changes, so nginx is never reloaded: a reload closes idle keep-alive connections under clients'
 * feet, which would be the load balancer's failure, not the service's. Idle upstream connections are
 * let go after 1 s, so few are still idle when a drained instance closes its connections; a request
 * sent on one the server is closing at that moment fails however well the server drains. Behind a
 * Kubernetes Service (L4) that race is the client's, and the client resends on a fresh connection what
 * is idempotent or carries an Idempotency-Key (RFC 9112 §9.3.1; zerodrop's login and logout do). Here
 * nginx holds the upstream connection, so nginx resends: `proxy_next_upstream error non_idempotent`
 * (seen without it: a Spring instance draining under load, `POST /auth/logout: status 502`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

const nginxBinary = '/usr/sbin/nginx';

export interface Nginx {
  readonly port: number;
  readonly url: string;
  /**
   * The load balancer down for `downMs`, then up again on its port: a fast shutdown (SIGTERM) closes
   * every connection through it, and connects meanwhile are refused at its address.
   */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
  errorLog(): string;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Stops nginx with `signal`, SIGKILL after 5 s. */
async function halt({ child, exited }: Running, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

export async function startNginx(upstreams: number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'zerodrop-nginx-'));
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, port, upstreams));
  let stderr = '';
  const launch = async (): Promise<Running> => {
    const child: ChildProcess = spawn(nginxBinary, ['-p', dir, '-c', conf, '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitForPort(port, () => stderr);
    return { child, exited };
  };
  let running = await launch();
  const readLog = () => {
    try {
      return spawnSync('tail', ['-n', '30', join(dir, 'error.log')], { encoding: 'utf8' }).stdout;
    } catch {
      return '';
    }
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async restart(downMs) {
      await halt(running, 'SIGTERM');
      await sleep(downMs);
      running = await launch();
    },
    async stop() {
      await halt(running, 'SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
    errorLog: readLog,
  };
}

function config(dir: string, port: number, upstreams: number[]): string {
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n');
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream app {
${servers}
    keepalive 64;
    keepalive_timeout 1s;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_next_upstream error non_idempotent;
      proxy_next_upstream_tries 0;
      proxy_connect_timeout 2s;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
    }
  }
}
`;
}

async function waitForPort(port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`nginx did not listen on ${port} within 10 s:\n${output()}`);
}
