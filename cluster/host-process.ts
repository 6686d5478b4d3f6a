/**
 * Long-running cluster components as plain host processes (no systemd on this machine): started
 * detached with output appended to one log file each, tracked by pid files, so a later run can
 * find, reuse or stop them. Start and stop are idempotent; every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expBackoff, retry, sleep } from 'zx';
import { formatDuration, StepError } from '../tools/status.ts';

export interface HostProcess {
  /** Component name, used in messages. */
  name: string;
  binary: string;
  args: string[];
  pidFile: string;
  logFile: string;
}

const STOP_GRACE_MS = 10_000;
const STOP_POLL_MS = 200;
const LOG_TAIL_BYTES = 8_192;
/** Opens each start's section of the log, so a failure shows only the current run's output. */
const START_HEADER = '==== ';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The pid recorded in `pidFile`, if that process still runs a program named like `binary` (so a
 * reused pid is not mistaken for it; by name, not path, so a process started from an older build
 * directory is still found and stopped).
 */
export function runningPid(pidFile: string, binary: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return path.basename(argv0) === path.basename(binary) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The end of the log, from the last start header on. */
async function logTail(logFile: string): Promise<string> {
  if (!existsSync(logFile)) return '';
  const file = await open(logFile, 'r');
  try {
    const { size } = await file.stat();
    const length = Math.min(size, LOG_TAIL_BYTES);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    const text = buffer.toString('utf8');
    return text.slice(Math.max(0, text.lastIndexOf(START_HEADER)));
  } finally {
    await file.close();
  }
}

/** Starts the process unless the pid file names a live one; returns its pid. */
export async function ensureProcess(proc: HostProcess): Promise<number> {
  const existing = runningPid(proc.pidFile, proc.binary);
  if (existing !== undefined) return existing;
  await mkdir(path.dirname(proc.pidFile), { recursive: true });
  await mkdir(path.dirname(proc.logFile), { recursive: true });
  const log = openSync(proc.logFile, 'a');
  writeSync(
    log,
    `${START_HEADER}${new Date().toISOString()} starting ${proc.binary} ${proc.args.join(' ')}\n`,
  );
  const child = spawn(proc.binary, proc.args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) {
    const reason = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`${proc.name}: could not start ${proc.binary}: ${reason.message}`);
  }
  child.unref();
  await writeFile(proc.pidFile, `${pid}\n`);
  return pid;
}

/**
 * Polls `probe` (which throws until the component is ready) with exponential backoff. Fails at
 * once with the log tail if the process exits, and after `timeoutMs` if it never gets ready.
 */
export async function waitUntilReady(
  proc: HostProcess,
  probe: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const attempts = Math.ceil(timeoutMs / 1000) + 10;
  let lastError: unknown;
  const outcome = await retry(attempts, expBackoff('1s', '100ms'), async () => {
    if (runningPid(proc.pidFile, proc.binary) === undefined) return 'exited';
    if (Date.now() > deadline) return 'timed out';
    try {
      await probe();
      return 'ready';
    } catch (error) {
      lastError = error;
      throw error;
    }
  }).catch(() => 'timed out');
  if (outcome === 'ready') return;
  const reason = lastError instanceof Error ? ` (last check: ${lastError.message})` : '';
  const verdict = outcome === 'exited' ? 'exited' : `was not ready after ${formatDuration(timeoutMs)}`;
  throw new StepError(`${proc.name} ${verdict}${reason}; log: ${proc.logFile}`, await logTail(proc.logFile));
}

/** Stops the process like `rm -f`: nothing recorded or already gone is success. */
export async function stopProcess(proc: Pick<HostProcess, 'binary' | 'pidFile'>): Promise<void> {
  const pid = runningPid(proc.pidFile, proc.binary);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < STOP_GRACE_MS && isAlive(pid); waited += STOP_POLL_MS) {
      await sleep(STOP_POLL_MS);
    }
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(proc.pidFile, { force: true });
}
