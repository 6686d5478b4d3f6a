/**
 * Runs bin/k6 the way `make validate` and `make demo` do: its output forwarded through this process's
 * streams (not inherited: a test runner reading our stdout must never see k6's bytes land in the middle
 * of its own messages), and stopped when it outlives the bounds of its own run. k6 v2.2 waits without
 * end for the answer to a WebSocket close, past its scenarios' max duration and deaf to SIGTERM
 * (docs/decisions.md): a service that never answers one would otherwise hold the pipeline forever.
 */
import { spawn } from 'node:child_process';

/** The exit code of a k6 stopped for outliving its run (as timeout(1) reports a command it stopped). */
export const outlivedExitCode = 124;

export interface K6Process {
  k6: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Stop k6 this long after its start; null: never. */
  lifetimeMs: number | null;
}

/** k6's exit code, or `outlivedExitCode` when it had to be stopped. */
export async function runK6(run: K6Process): Promise<number> {
  const child = spawn(run.k6, run.args, { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(process.stdout, { end: false });
  child.stderr.pipe(process.stderr, { end: false });
  let outlived = false;
  const watchdog =
    run.lifetimeMs === null
      ? undefined
      : setTimeout(() => {
          outlived = true;
          console.error(
            ` ✗ k6 still runs ${Math.round((run.lifetimeMs as number) / 1000)} s after its start, past the bounds of its own run (setup, load, teardown, summary): stopping it (exit ${outlivedExitCode}; its reports are not written). A WebSocket close the service never answered keeps k6 waiting: see docs/exit-codes.md`,
          );
          child.kill('SIGKILL');
        }, run.lifetimeMs);
  const code = await new Promise<number>((resolve) =>
    child.once('exit', (exit, signal) => resolve(exit ?? (signal ? 128 : 1))),
  );
  clearTimeout(watchdog);
  return outlived ? outlivedExitCode : code;
}
