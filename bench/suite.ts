/**
 * Benchmark of the validation suite (not a test): prints figures for issues 4, 11 and 14.
 *  - bundle sizes of dist/*.js (budget < 100 KB each);
 *  - per run of k6, its CPU seconds (utime + stime), peak RSS, feed latency p99 and median reconnect gap
 *    (close → first message on the next connection: what replayed messages wait), at 300 HTTP + 200
 *    WebSocket users with orders on, side by side in one invocation: zero-downtime.js against three
 *    reference service processes behind nginx during a rolling restart (`zerodrop`, users packed
 *    USERS_PER_VU to a VU, the default), the same at one user per VU (`unpacked`), and two baselines
 *    without zerodrop's tracking against the same fleet, for as long as that repetition's zerodrop run
 *    loaded it and restarted when it was rolled (their sockets reconnect and resume: replays count in the
 *    feed latency of both): bench/minimal-packed.js (`packed`: the same users packed the same way, sending
 *    orders and matching acks — issue 14's budget: CPU and RSS ≤ 1.2×, feed p99 within 5 ms) and
 *    bench/minimal-mix.js (`mix`: one VU per user, the plain way to write this load); ratios against
 *    `packed`;
 *  - the time from the end of the last rollout to the verdict (k6's exit), against COOLDOWN + 5 s.
 * BENCH_RUNS=zerodrop,packed,mix,unpacked picks runs (default all); BENCH_REPEAT (default 2) repeats them;
 * BENCH_SECONDS (default 60) is the zerodrop run's planned load time; BENCH_USERS=<HTTP>+<WebSocket>
 * (default 300+200) sets the users of every run (e.g. 0+200: WebSocket users alone). BENCH_COMPARE=/path/to/other/dist[,…]
 * also runs zero-downtime.js of those bundle folders (e.g. an older commit's `make bundle`) in each
 * repetition, each with the k6 at the same place in BENCH_COMPARE_K6=/path/to/bin/k6[,…] (default bin/k6:
 * an older bundle whose extension calls changed needs its own commit's k6). The machine's core count and load average are printed with every figure.
 * BENCH_CAPACITY=1 instead steps up the users (BENCH_CAPACITY_USERS, totals split 3:2 HTTP:WebSocket)
 * until a run fails or k6 passes 1 GiB, and prints the CPU k6 and the target (every process the bench
 * started besides k6) used per second of load, to show which side saturates first.
 * BENCH_PER_USER=1 instead prints k6's memory per user: the peak RSS that going from 150 + 100 to 300 + 200
 * users (BENCH_PER_USER_SIZES) added, per user, for dist/ and each BENCH_COMPARE bundle.
 * BENCH_ENV='NAME=value …' adds zerodrop settings to its runs (e.g. the shares of extra traffic set to 0).
 * BENCH_PER_VU=<n> packs n users to a VU in every packed run, baselines included (default zerodrop's default).
 * BENCH_PROFILE=/folder also takes a 30-s CPU profile and allocation profile of every k6 run from its 20th
 * second and its live heap after a forced GC at the 50th (k6's --profiling-enabled, pprof on
 * 127.0.0.1:6565) into <folder>/<run>.pprof, .allocs.pprof and .heap.pprof (`go tool pprof -top` reads
 * them), and prints that live heap.
 * BENCH_PROFILE_FROM and BENCH_PROFILE_SECONDS move that window (e.g. 50 and 14: into teardown's audit;
 * a window k6 does not outlive saves nothing).
 * BENCH_HEAP=1 instead prints the per-VU heap of dist/zero-downtime.js and of each BENCH_COMPARE bundle
 * (bench/vu-heap.ts), BENCH_REPEAT times, alternating (issue 11's budget: within 10 % of session 3's).
 * Run: npx tsx bench/suite.ts   (after make k6 bundle)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { actOnRollouts } from '../test/support/external-rollout.ts';
import { type Fleet, startFleet } from '../test/support/fleet.ts';
import { k6Binary } from '../test/support/k6.ts';
import { startRedis } from '../test/support/redis.ts';
import { repoRoot as repo } from '../tools/paths.ts';
import { newRunId } from '../validator/run/run-id.ts';
import { parseConfig } from '../validator/settings/registry.ts';
import { sampleOwnTree, sampleProcess, type Usage } from './process-usage.ts';
import { perVuHeapKb } from './vu-heap.ts';

const cooldownS = 5;
/** A rolling restart of the three processes takes about this long; the baseline phase fills the rest. */
const rolloutS = 10;
/** A run that has not ended by then is killed (and reported with exit null). */
const runTimeoutMs = 300_000;
const memoryBudgetMb = 1024;
/** The suite's defaults (packing, order interval), as its config parser has them. */
const defaults = parseConfig(
  { BASE_URL: 'http://127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1' },
  { requireRedis: true, newRunId: () => 'bench' },
);
/** Users per VU of every packed run, baselines included (BENCH_PER_VU; default zerodrop's default). */
const usersPerVu = Number(process.env.BENCH_PER_VU ?? defaults.usersPerVu);

interface Measured extends Usage {
  label: string;
  exitCode: number | null;
  feedP99Ms: number | null;
  /** The median gap a reconnect left (close → first message on the next connection): replays wait it. */
  reconnectMedMs: number | null;
  /** WebSocket messages k6 received (its own ws_msgs_received): the work a run's CPU is spread over. */
  wsMessages: number | null;
  /** Metrics whose thresholds failed. */
  failed: string[];
  /** Seconds the users loaded the target. */
  loadS: number;
  /** Seconds from k6's start to the (first) rolling restart. */
  rolloutAtS: number;
  loadAvg: string;
  /** zero-downtime.js: seconds from the last rollout's end to k6's exit. */
  verdictAfterS?: number;
  /** zero-downtime.js: k6's CPU seconds before the load (VU init, setup), during it, and after it (teardown, reports). */
  cpuByStage?: { beforeS: number; loadS: number; afterS: number };
  /** The capacity mode: what the target's processes used meanwhile. */
  target?: Usage;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** A k6 run's figures, and when it started and exited, and its CPU by the time of any moment of it. */
interface K6Measure {
  figures: Omit<Measured, 'loadS' | 'rolloutAtS'>;
  startedAt: number;
  exitedAt: number;
  cpuAt: (epochMs: number) => number;
}

/** Runs k6, sampling its CPU and RSS (and the target's, when asked) until it exits. */
async function measureK6(
  label: string,
  args: string[],
  env: Record<string, string>,
  /** The run's feed latency and reconnect gap trends in k6's summary export. */
  trends: { feed: string; reconnect: string },
  withTarget = false,
  k6Path = k6Binary,
): Promise<K6Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'zd-bench-'));
  const summary = join(dir, 'summary.json');
  const loadBefore = load();
  const startedAt = Date.now();
  const profiling = process.env.BENCH_PROFILE ? ['--address', '127.0.0.1:6565', '--profiling-enabled'] : [];
  const child = spawn(k6Path, ['run', '--quiet', ...profiling, '--summary-export', summary, ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const k6 = sampleProcess(child.pid ?? -1);
  // The target's processes: every descendant of this process but k6, sampled once k6 exists.
  const target = withTarget ? sampleOwnTree(() => (child.pid ? [child.pid] : [])) : null;
  const killer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
  const profile = process.env.BENCH_PROFILE ? profiles(process.env.BENCH_PROFILE, label) : null;
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  const usage = k6.stop();
  await profile;
  const targetUsage = target?.stop();
  if (exitCode !== 0) console.error(`${label}: exit ${exitCode}\n${stderr.slice(-2000)}`);
  const metrics = readSummary(summary);
  rmSync(dir, { recursive: true, force: true });
  return {
    figures: {
      label,
      exitCode,
      ...usage,
      feedP99Ms: metrics?.[trends.feed]?.['p(99)'] ?? null,
      reconnectMedMs: metrics?.[trends.reconnect]?.med ?? null,
      wsMessages: metrics?.ws_msgs_received?.count ?? null,
      failed: Object.entries(metrics ?? {})
        .filter(([, m]) => Object.values(m.thresholds ?? {}).some((crossed) => crossed === true))
        .map(([name]) => name),
      loadAvg: `${loadBefore} → ${load()}`,
      ...(targetUsage ? { target: targetUsage } : {}),
    },
    startedAt,
    exitedAt: Date.now(),
    cpuAt: (epochMs) => k6.cpuAt(epochMs),
  };
}

/**
 * BENCH_PROFILE: k6's CPU profile and what it allocated over 30 s from its 20th second (BENCH_PROFILE_FROM,
 * BENCH_PROFILE_SECONDS), and its live heap at the end of them, saved as <folder>/<label>.pprof,
 * .allocs.pprof and .heap.pprof.
 */
async function profiles(folder: string, label: string): Promise<void> {
  const from = Number(process.env.BENCH_PROFILE_FROM ?? 20);
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 30);
  await new Promise((resolve) => setTimeout(resolve, from * 1000));
  const base = join(folder, label.replace(/[^a-z0-9.-]+/gi, '-'));
  const save = async (path: string, file: string, what: string) => {
    try {
      const res = await fetch(`http://127.0.0.1:6565/debug/pprof/${path}`);
      if (!res.ok) throw new Error(`status ${res.status}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      console.log(`    ${what} of ${label}: ${file}`);
    } catch (error) {
      console.error(`    no ${what} of ${label}: ${String(error)}`);
    }
  };
  await Promise.all([
    save(`profile?seconds=${seconds}`, `${base}.pprof`, 'CPU profile'),
    save(`allocs?seconds=${seconds}`, `${base}.allocs.pprof`, 'allocations'),
  ]);
  await save('heap?gc=1', `${base}.heap.pprof`, 'live heap');
  // The exact live heap, right after a forced GC of its own (the profile's figures are sampled).
  const text = await fetch('http://127.0.0.1:6565/debug/pprof/heap?gc=1&debug=1')
    .then((res) => res.text())
    .catch(() => '');
  const liveBytes = Number(/# HeapAlloc = (\d+)/.exec(text)?.[1]);
  if (liveBytes)
    console.log(`    live heap of ${label} after a forced GC: ${(liveBytes / 1048576).toFixed(1)} MB`);
}

type SummaryMetrics = Record<string, Record<string, number> & { thresholds?: Record<string, boolean> }>;

function readSummary(path: string): SummaryMetrics | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { metrics: SummaryMetrics }).metrics;
  } catch {
    return null;
  }
}

async function withFleet<T>(work: (fleet: Fleet, redisUrl: string) => Promise<T>): Promise<T> {
  const redis = await startRedis();
  const fleet = await startFleet({
    replicas: 3,
    env: {
      REDIS_URL: redis.url,
      SYNTHETIC_USERS_PASSWORD: 'zerodrop-synthetic',
      DRAIN_SECONDS: '2',
      LOG_LEVEL: 'warn',
    },
    preStopMs: 500,
  });
  try {
    return await work(fleet, redis.url);
  } finally {
    await fleet.stop();
    await redis.stop();
  }
}

interface SuiteRun {
  label: string;
  dist?: string;
  /** The k6 that runs it (default bin/k6). */
  k6?: string;
  usersPerVu?: number;
  httpUsers?: number;
  wsUsers?: number;
  seconds: number;
  withTarget?: boolean;
}

/** zero-downtime.js with one rolling restart; its load time is the run's timeline (claim to end). */
function runSuite(run: SuiteRun): Promise<Measured> {
  return withFleet(async (fleet, redisUrl) => {
    const runId = newRunId('bench');
    const actor = actOnRollouts(redisUrl, runId, fleet, 1);
    const { figures, startedAt, exitedAt, cpuAt } = await measureK6(
      run.label,
      [join(run.dist ?? join(repo, 'dist'), 'zero-downtime.js')],
      {
        RUN_ID: runId,
        BASE_URL: fleet.url,
        REDIS_URL: redisUrl,
        STRATEGY: 'none',
        BASELINE: `${Math.max(10, run.seconds - rolloutS - cooldownS)}s`,
        COOLDOWN: `${cooldownS}s`,
        USERS_PER_VU: String(run.usersPerVu ?? usersPerVu),
        HTTP_USERS: String(run.httpUsers ?? defaults.httpUsers),
        WS_USERS: String(run.wsUsers ?? defaults.wsUsers),
        REPORT_DIR: '/tmp',
        ...zerodropSettings(),
      },
      { feed: 'zd_feed_latency_ms', reconnect: 'zd_reconnect_ms' },
      run.withTarget,
      run.k6,
    );
    await actor.stop();
    const redis = new Redis(redisUrl);
    const timeline = await redis.hgetall(`zdrun:${runId}:timeline`);
    redis.disconnect();
    const [loadFrom, loadTo] = [Number(timeline.createdAt), Number(timeline.endAt)];
    return {
      ...figures,
      cpuByStage: {
        beforeS: cpuAt(loadFrom),
        loadS: cpuAt(loadTo) - cpuAt(loadFrom),
        afterS: figures.cpuS - cpuAt(loadTo),
      },
      loadS: (loadTo - loadFrom) / 1000,
      rolloutAtS: (Number(timeline.rolloutStart) - startedAt) / 1000,
      verdictAfterS: (exitedAt - Number(timeline.rolloutEnd)) / 1000,
    };
  });
}

/**
 * A baseline script against a fresh fleet for `seconds`, the fleet restarted one process at a time
 * `rolloutAtS` after k6 starts (as zerodrop's run rolled it), so its sockets reconnect and replay too.
 */
function runBaseline(
  label: string,
  script: string,
  run: { seconds: number; rolloutAtS: number; httpUsers: number; wsUsers: number },
): Promise<Measured> {
  const { seconds, rolloutAtS } = run;
  return withFleet(async (fleet) => {
    let rollout: Promise<number> = Promise.resolve(0);
    const restart = setTimeout(() => {
      rollout = fleet.rollingRestart();
    }, rolloutAtS * 1000);
    const { figures } = await measureK6(
      label,
      [join('bench', script)],
      {
        BASE_URL: fleet.url,
        DURATION_S: String(seconds),
        USERS_PER_VU: String(usersPerVu),
        ORDER_INTERVAL_MS: String(defaults.orderIntervalMs),
        HTTP_USERS: String(run.httpUsers),
        WS_USERS: String(run.wsUsers),
      },
      { feed: 'feed_latency_ms', reconnect: 'reconnect_ms' },
    );
    clearTimeout(restart);
    await rollout;
    return { ...figures, loadS: seconds, rolloutAtS };
  });
}

/**
 * BENCH_ENV: zerodrop settings for its runs (not the baselines'), `NAME=value` separated by spaces, e.g.
 * `NEW_CONNECTION_SHARE=0 NEGATIVE_AUTH_SHARE=0 LOGOUT_SHARE=0` for the traffic the baselines send.
 */
function zerodropSettings(): Record<string, string> {
  const pairs = (process.env.BENCH_ENV ?? '').split(/\s+/).filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`BENCH_ENV: ${pair} is not NAME=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** `<HTTP>+<WebSocket>` users, as BENCH_USERS and BENCH_PER_USER_SIZES write them. */
const userSplit = (pair: string) => pair.split('+').map(Number) as [number, number];

const fixed = (n: number | null | undefined, digits = 1) => (n == null ? '—' : n.toFixed(digits));

function printRuns(runs: Measured[]): void {
  console.log(
    `    ${'run'.padEnd(44)} ${'CPU s'.padStart(6)} ${'RSS MB'.padStart(7)} ${'feed p99'.padStart(9)} ${'reconnect'.padStart(9)} ${'load s'.padStart(7)} ${'WS msgs'.padStart(8)}  exit  load average (1 5 15 min) before → after`,
  );
  for (const r of runs) {
    console.log(
      `    ${r.label.padEnd(44)} ${fixed(r.cpuS).padStart(6)} ${fixed(r.peakRssMb, 0).padStart(7)} ${`${fixed(r.feedP99Ms, 0)} ms`.padStart(9)} ${`${fixed(r.reconnectMedMs, 0)} ms`.padStart(9)} ${fixed(r.loadS, 0).padStart(7)} ${fixed(r.wsMessages, 0).padStart(8)}  ${String(r.exitCode).padStart(4)}  ${r.loadAvg}`,
    );
  }
}

/** Each zerodrop run against the packed baseline of its repetition. */
function printRatios(runs: Measured[], baseline: Measured | undefined): void {
  if (!baseline) return;
  for (const r of runs) {
    if (r === baseline || r.verdictAfterS === undefined) continue;
    const feed =
      r.feedP99Ms === null || baseline.feedP99Ms === null
        ? '—'
        : `${r.feedP99Ms - baseline.feedP99Ms >= 0 ? '+' : ''}${(r.feedP99Ms - baseline.feedP99Ms).toFixed(0)} ms`;
    const cpuRate = r.cpuS / r.loadS / (baseline.cpuS / baseline.loadS);
    console.log(
      `    ${r.label} / ${baseline.label}: CPU ${(r.cpuS / baseline.cpuS).toFixed(2)}× (per second of load ${cpuRate.toFixed(2)}×), RSS ${(r.peakRssMb / baseline.peakRssMb).toFixed(2)}×, feed p99 ${feed}  (budget ≤ 1.2×, ≤ 1.2×, ≤ +5 ms)`,
    );
  }
}

async function sideBySide(): Promise<void> {
  const picked = new Set((process.env.BENCH_RUNS ?? 'zerodrop,packed,mix,unpacked').split(','));
  const repeat = Number(process.env.BENCH_REPEAT ?? 2);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const compare = (process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean);
  const compareK6 = (process.env.BENCH_COMPARE_K6 ?? '').split(',');
  const [httpUsers, wsUsers] = userSplit(
    process.env.BENCH_USERS ?? `${defaults.httpUsers}+${defaults.wsUsers}`,
  );
  const perVu = `${usersPerVu} per VU`;
  const users = `${httpUsers} HTTP + ${wsUsers} WebSocket users`;
  console.log(`  k6 at ${users}, orders every ${defaults.orderIntervalMs} ms, ${seconds} s planned:`);
  const sized = { seconds, httpUsers, wsUsers };
  const all: { runs: Measured[]; packed: Measured | undefined }[] = [];
  for (let rep = 1; rep <= repeat; rep++) {
    const runs: Measured[] = [];
    if (picked.has('zerodrop')) runs.push(await runSuite({ label: `zerodrop dist/ (${perVu})`, ...sized }));
    for (const [i, dist] of compare.entries()) {
      const k6 = compareK6[i] || undefined;
      runs.push(await runSuite({ label: `zerodrop ${dist} (${perVu})`, dist, k6, ...sized }));
    }
    // The baselines load as long as this repetition's zerodrop run did, restarted when it was rolled.
    const loadS = Math.round(runs[0]?.loadS ?? seconds);
    const rolloutAtS = runs[0]?.rolloutAtS ?? seconds - rolloutS - cooldownS;
    const baseline = { seconds: loadS, rolloutAtS, httpUsers, wsUsers };
    const packed = picked.has('packed')
      ? await runBaseline(`minimal-packed.js (${perVu})`, 'minimal-packed.js', baseline)
      : undefined;
    if (packed) runs.push(packed);
    if (picked.has('mix'))
      runs.push(await runBaseline('minimal-mix.js (1 per VU)', 'minimal-mix.js', baseline));
    if (picked.has('unpacked'))
      runs.push(await runSuite({ label: 'zerodrop dist/ (1 per VU)', usersPerVu: 1, ...sized }));
    console.log(`  repetition ${rep} of ${repeat}:`);
    printRuns(runs);
    printRatios(runs, packed);
    all.push({ runs, packed });
    for (const r of runs) {
      if (r.verdictAfterS !== undefined)
        console.log(
          `    ${r.label}: last rollout end → verdict ${r.verdictAfterS.toFixed(1)} s  (budget ≤ COOLDOWN ${cooldownS} s + 5 s)`,
        );
      if (r.cpuByStage)
        console.log(
          `    ${r.label}: CPU s before the load (VU init, setup) ${fixed(r.cpuByStage.beforeS)}, during it ${fixed(r.cpuByStage.loadS)}, after it (teardown, reports) ${fixed(r.cpuByStage.afterS)}`,
        );
    }
  }
  if (repeat > 1) printSpread(all);
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
function median(values: number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return null;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const spread = (values: number[], digits = 1) =>
  values.length === 0
    ? '—'
    : `${fixed(median(values), digits)} (${fixed(Math.min(...values), digits)}–${fixed(Math.max(...values), digits)})`;

/**
 * Over all repetitions, per run: the median and range of its figures, and of each zerodrop run's ratios
 * to the packed baseline of the same repetition. One bundle's CPU seconds move by tens of percent between
 * runs on this machine: a difference smaller than the ranges is not one.
 */
function printSpread(all: { runs: Measured[]; packed: Measured | undefined }[]): void {
  console.log(`  over ${all.length} repetitions: median (range)`);
  const labels = [...new Set(all.flatMap(({ runs }) => runs.map((r) => r.label)))];
  for (const label of labels) {
    const runs = all.flatMap(({ runs }) => runs.filter((r) => r.label === label));
    const feed = runs.flatMap((r) => (r.feedP99Ms === null ? [] : [r.feedP99Ms]));
    console.log(
      `    ${label.padEnd(44)} CPU ${spread(runs.map((r) => r.cpuS))} s, RSS ${spread(
        runs.map((r) => r.peakRssMb),
        0,
      )} MB, feed p99 ${spread(feed, 0)} ms`,
    );
    const pairs = all.flatMap(({ runs, packed }) =>
      packed
        ? runs
            .filter((r) => r.label === label && r.verdictAfterS !== undefined)
            .map((r) => [r, packed] as const)
        : [],
    );
    if (pairs.length === 0) continue;
    const feedGaps = pairs.flatMap(([r, p]) =>
      r.feedP99Ms === null || p.feedP99Ms === null ? [] : [r.feedP99Ms - p.feedP99Ms],
    );
    console.log(
      `      / minimal-packed.js: CPU ${spread(
        pairs.map(([r, p]) => r.cpuS / p.cpuS),
        2,
      )}×, RSS ${spread(
        pairs.map(([r, p]) => r.peakRssMb / p.peakRssMb),
        2,
      )}×, feed p99 difference ${spread(feedGaps, 0)} ms`,
    );
  }
}

async function heap(): Promise<void> {
  const repeat = Number(process.env.BENCH_REPEAT ?? 2);
  const dists = [join(repo, 'dist'), ...(process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean)];
  console.log('  per-VU heap of zero-downtime.js (live heap after a forced GC, 203 VUs against 3):');
  for (let rep = 1; rep <= repeat; rep++) {
    const figures: string[] = [];
    for (const dist of dists)
      figures.push(`${dist}: ${(await perVuHeapKb(join(dist, 'zero-downtime.js'))).toFixed(0)} KB`);
    console.log(`    repetition ${rep}: ${figures.join('; ')}  (load ${load()})`);
  }
}

/**
 * k6 memory per user: each bundle (dist/ and every BENCH_COMPARE folder, alternating) at two user counts
 * (BENCH_PER_USER_SIZES, HTTP+WebSocket, default 150+100 and 300+200), and the peak RSS the extra users
 * added, per user. What the process costs whatever its users (the runtime, the binary, the engine) drops
 * out of the difference, which peak RSS at one size keeps.
 */
async function perUser(): Promise<void> {
  const repeat = Number(process.env.BENCH_REPEAT ?? 2);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const sizes = (process.env.BENCH_PER_USER_SIZES ?? '150+100,300+200').split(',').slice(0, 2).map(userSplit);
  const [small, big] = sizes as [[number, number], [number, number]];
  const dists = [join(repo, 'dist'), ...(process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean)];
  const users = (size: [number, number]) => size[0] + size[1];
  console.log(
    `  k6 memory per user: peak RSS at ${small.join(' + ')} and ${big.join(' + ')} users, ${seconds} s planned:`,
  );
  for (let rep = 1; rep <= repeat; rep++) {
    for (const dist of dists) {
      const [a, b] = [
        await runSuite({ label: dist, dist, httpUsers: small[0], wsUsers: small[1], seconds }),
        await runSuite({ label: dist, dist, httpUsers: big[0], wsUsers: big[1], seconds }),
      ];
      const perUserKb = ((b.peakRssMb - a.peakRssMb) * 1024) / (users(big) - users(small));
      console.log(
        `    repetition ${rep}: ${dist}: ${fixed(a.peakRssMb, 0)} → ${fixed(b.peakRssMb, 0)} MB, ${perUserKb.toFixed(0)} KB per user  (exits ${a.exitCode}, ${b.exitCode}; load ${load()})`,
      );
    }
  }
}

/** Steps the users up until a run fails or k6 passes its memory budget. */
async function capacity(): Promise<void> {
  const totals = (process.env.BENCH_CAPACITY_USERS ?? '500,1000,1500,2000')
    .split(',')
    .map(Number)
    .slice(0, 8);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  console.log(
    `  capacity: users per step ${totals.join(', ')} (3:2 HTTP:WebSocket), ${seconds} s planned each`,
  );
  console.log(
    `    ${'users'.padEnd(18)} ${'k6 CPU'.padStart(7)} ${'k6 cores'.padStart(8)} ${'target cores'.padStart(12)} ${'k6 RSS'.padStart(7)} ${'feed p99'.padStart(9)}  exit  failed thresholds; load average`,
  );
  for (const total of totals) {
    const httpUsers = Math.round(total * 0.6);
    const wsUsers = total - httpUsers;
    const r = await runSuite({ label: `${total}`, httpUsers, wsUsers, seconds, withTarget: true });
    const cores = (cpuS: number) => (cpuS / r.loadS).toFixed(2);
    console.log(
      `    ${`${httpUsers} + ${wsUsers}`.padEnd(18)} ${fixed(r.cpuS).padStart(7)} ${cores(r.cpuS).padStart(8)} ${cores(r.target?.cpuS ?? 0).padStart(12)} ${`${fixed(r.peakRssMb, 0)} MB`.padStart(7)} ${`${fixed(r.feedP99Ms, 0)} ms`.padStart(9)}  ${String(r.exitCode).padStart(4)}  ${r.failed.join(', ') || 'none'}; ${r.loadAvg}`,
    );
    if (r.exitCode !== 0 || r.peakRssMb >= memoryBudgetMb) break;
  }
}

async function main(): Promise<void> {
  const bundles = readdirSync(join(repo, 'dist'))
    .filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))
    .map((f) => `${f} ${(statSync(join(repo, 'dist', f)).size / 1024).toFixed(1)} KB`);
  console.log(
    `zerodrop suite benchmark: ${cpus().length} cores, load average ${load()} (k6, nginx, 3 service processes and Redis on one host)`,
  );
  console.log(`  bundles: ${bundles.join(', ')}  (budget < 100 KB each)`);
  if (process.env.BENCH_CAPACITY === '1') await capacity();
  else if (process.env.BENCH_HEAP === '1') await heap();
  else if (process.env.BENCH_PER_USER === '1') await perUser();
  else await sideBySide();
  console.log(`  load average at the end: ${load()}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
