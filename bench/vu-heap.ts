/**
 * Per-VU heap of a bundle (issue 11's memory budget): k6 initialises the bundle's VUs paused (no load,
 * nothing reached), and the live heap after a forced GC is read from k6's pprof endpoint
 * (`--profiling-enabled`, `/debug/pprof/heap?gc=1`); the per-VU figure is the difference between 203 and 3
 * initialised VUs (one user per VU, half HTTP and half WebSocket, plus the rollout VU), over 200.
 * What VUs hold before they run is the code and its tables, which the machine's load does not move.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../test/support/free-port.ts';
import { k6Binary } from '../test/support/k6.ts';
import { repoRoot as repo } from '../tools/paths.ts';

/** k6's execution status once every VU is initialised and the run waits to be resumed. */
const pausedBeforeRun = 4;

/** HeapAlloc after a forced GC, with `users` HTTP and `users` WebSocket users initialised, one per VU. */
async function liveHeapBytes(bundle: string, users: number): Promise<number> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const child = spawn(
    k6Binary,
    ['run', '--quiet', '--paused', '--profiling-enabled', '--address', `127.0.0.1:${port}`, bundle],
    {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        RUN_ID: 'bench-heap',
        BASE_URL: 'http://127.0.0.1:1',
        REDIS_URL: 'redis://127.0.0.1:1',
        STRATEGY: 'none',
        USERS_PER_VU: '1',
        HTTP_USERS: String(users),
        WS_USERS: String(users),
        REPORT_DIR: '/tmp',
      },
      stdio: 'ignore',
    },
  );
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`k6 did not initialise ${bundle}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const status = await fetch(`${api}/v1/status`)
        .then((r) => r.json() as Promise<{ data: { attributes: { status: number } } }>)
        .catch(() => null);
      if (status && status.data.attributes.status >= pausedBeforeRun) break;
    }
    const profile = await (await fetch(`${api}/debug/pprof/heap?gc=1&debug=1`)).text();
    return Number(/# HeapAlloc = (\d+)/.exec(profile)?.[1] ?? Number.NaN);
  } finally {
    child.kill('SIGKILL');
  }
}

/** KB of live heap per initialised VU of `bundle` (a zero-downtime.js). */
export async function perVuHeapKb(bundle: string): Promise<number> {
  const few = await liveHeapBytes(bundle, 1);
  const many = await liveHeapBytes(bundle, 101);
  return (many - few) / 200 / 1024;
}
