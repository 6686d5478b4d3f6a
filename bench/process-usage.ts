/**
 * CPU seconds and peak RSS of processes, from Linux /proc, sampled until they exit: bench/suite.ts
 * measures k6 with it, and (in its capacity mode) the target — every other process this bench started
 * (service instances, nginx, Redis), found as descendants of the bench's own process so that other jobs
 * on the machine are never counted. A process's CPU is its last sample (utime + stime): at most one
 * interval of CPU is missed at its exit.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const intervalMs = 100;

interface Stat {
  ppid: number;
  cpuS: number;
}

/** ppid and utime + stime of a process; null once it is gone. */
function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at state: ppid is the 2nd, utime the 12th.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuS: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond };
  } catch {
    return null;
  }
}

function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Every live process below `root` (children, their children, …). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export interface Usage {
  cpuS: number;
  peakRssMb: number;
}

export interface UsageSampler {
  /** Stops sampling; the figures so far. */
  stop(): Usage;
  /** The CPU seconds used by the time of the last sample at or before `epochMs` (0 before the first). */
  cpuAt(epochMs: number): number;
}

/**
 * Samples the CPU and peak RSS of the processes `pids()` names (asked every 5 intervals, the known ones
 * sampled every interval) until stopped; peak RSS is the largest single process's. `fromStart`: the CPU
 * the processes running at the first sample had used before it is not counted.
 */
function sample(pids: () => number[], fromStart: boolean): UsageSampler {
  const lastCpu = new Map<number, number>();
  const before = new Map<number, number>();
  let peakKb = 0;
  let ticks = 0;
  /** [epoch ms, CPU seconds so far] per sample. */
  const history: [number, number][] = [];
  const total = () => {
    let cpuS = 0;
    for (const [pid, v] of lastCpu) cpuS += v - (before.get(pid) ?? 0);
    return cpuS;
  };
  const tick = () => {
    if (ticks++ % 5 === 0) {
      for (const pid of pids()) {
        if (lastCpu.has(pid)) continue;
        lastCpu.set(pid, 0);
        if (fromStart && ticks === 1) before.set(pid, stat(pid)?.cpuS ?? 0);
      }
    }
    for (const pid of lastCpu.keys()) {
      const s = stat(pid);
      if (s) lastCpu.set(pid, s.cpuS);
      peakKb = Math.max(peakKb, peakRssKb(pid));
    }
    history.push([Date.now(), total()]);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { cpuS: total(), peakRssMb: peakKb / 1024 };
    },
    cpuAt(epochMs) {
      let cpuS = 0;
      for (const [at, used] of history) {
        if (at > epochMs) break;
        cpuS = used;
      }
      return cpuS;
    },
  };
}

/** Samples one process (`pid`), all its CPU, until stopped. */
export function sampleProcess(pid: number): UsageSampler {
  return sample(() => [pid], false);
}

/** Samples every process this one started except `excluded()` (k6), the CPU they use from now on. */
export function sampleOwnTree(excluded: () => number[]): UsageSampler {
  return sample(() => {
    const skip = new Set(excluded());
    return descendants(process.pid).filter((pid) => !skip.has(pid));
  }, true);
}
