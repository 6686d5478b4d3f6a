/**
 * Benchmark of the validation suite (not a test): prints figures for issue 4's budget.
 *  - bundle sizes of dist/*.js (budget < 100 KB each);
 *  - k6 peak RSS at 300 HTTP + 200 WebSocket users running zero-downtime.js against three reference
 *    service processes behind nginx during a rolling restart (users packed USERS_PER_VU to a VU, the
 *    default, and one per VU), and of two baselines without zerodrop's tracking against the same fleet:
 *    bench/minimal-mix.js (one VU per user, the plain way to write this load) and bench/minimal-packed.js
 *    (the same users packed like zerodrop packs them) — budget: < 1 GiB and < 1.3×;
 *  - time from the end of the last rollout to the verdict (k6's exit), against COOLDOWN + 5 s.
 * BENCH_COMPARE=/path/to/other/dist[,…] also runs zero-downtime.js of those bundle folders at the default
 * packing in the same run (e.g. an older commit's `make bundle`), so figures compare on one machine under
 * one load; BENCH_ONLY=packed skips the other runs. The machine's load average is printed with them.
 * Run: npx tsx bench/suite.ts   (after make k6 bundle)
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { actOnRollouts } from '../test/support/external-rollout.ts';
import { type Fleet, startFleet } from '../test/support/fleet.ts';
import { k6Binary } from '../test/support/k6.ts';
import { startRedis } from '../test/support/redis.ts';
import { repoRoot as repo } from '../tools/paths.ts';
import { newRunId } from '../validator/run/run-id.ts';
import { parseConfig } from '../validator/settings/registry.ts';

const cooldownS = 5;
/** A run that has not ended by then is killed (and reported with exit null). */
const runTimeoutMs = 300_000;
/** The suite's default packing, as its config parser has it. */
const defaultPerVu = parseConfig(
  { BASE_URL: 'http://127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1' },
  { requireRedis: true, newRunId: () => 'bench' },
).usersPerVu;

interface Measured {
  exitCode: number | null;
  peakRssMb: number;
  exitedAt: number;
}

/** Runs k6, sampling VmHWM of its process until it exits. */
async function measureK6(args: string[], env: Record<string, string>): Promise<Measured> {
  const child = spawn(k6Binary, ['run', '--quiet', ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  let peak = 0;
  const sample = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // exited between samples
    }
  }, 200);
  const killer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  clearInterval(sample);
  if (exitCode !== 0) console.error(stderr.slice(-2000));
  return { exitCode, peakRssMb: peak / 1024, exitedAt: Date.now() };
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

async function runSuite(
  usersPerVu: number,
  dist = join(repo, 'dist'),
): Promise<Measured & { verdictAfterS: number }> {
  return withFleet(async (fleet, redisUrl) => {
    const runId = newRunId('bench');
    const actor = actOnRollouts(redisUrl, runId, fleet, 1);
    const measured = await measureK6([join(dist, 'zero-downtime.js')], {
      RUN_ID: runId,
      BASE_URL: fleet.url,
      REDIS_URL: redisUrl,
      STRATEGY: 'none',
      BASELINE: '10s',
      COOLDOWN: `${cooldownS}s`,
      USERS_PER_VU: String(usersPerVu),
      REPORT_DIR: '/tmp',
    });
    await actor.stop();
    const redis = new Redis(redisUrl);
    const rolloutEnd = Number(await redis.hget(`zdrun:${runId}:timeline`, 'rolloutEnd'));
    redis.disconnect();
    return { ...measured, verdictAfterS: (measured.exitedAt - rolloutEnd) / 1000 };
  });
}

function runBaseline(script: string): Promise<Measured> {
  return withFleet((fleet) =>
    measureK6([join('bench', script)], {
      BASE_URL: fleet.url,
      DURATION_S: '30',
      USERS_PER_VU: String(defaultPerVu),
    }),
  );
}

const load = () => loadavg()[0]?.toFixed(1) ?? '?';

async function main(): Promise<void> {
  const bundles = readdirSync(join(repo, 'dist'))
    .filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))
    .map((f) => `${f} ${(statSync(join(repo, 'dist', f)).size / 1024).toFixed(1)} KB`);
  const compare = (process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean);
  const compared: string[] = [];
  for (const dist of compare) {
    const before = load();
    const m = await runSuite(defaultPerVu, dist);
    compared.push(
      `    ${dist}/zero-downtime.js, ${defaultPerVu} per VU: ${m.peakRssMb.toFixed(0)} MB (exit ${m.exitCode}; load ${before} → ${load()})`,
    );
  }
  const loadBefore = load();
  const packed = await runSuite(defaultPerVu);
  const loadAfter = load();
  if (process.env.BENCH_ONLY === 'packed') {
    console.log(`  bundles: ${bundles.join(', ')}  (budget < 100 KB each)`);
    console.log(`  k6 peak RSS at 300 HTTP + 200 WebSocket users, ${defaultPerVu} per VU:`);
    for (const line of compared) console.log(line);
    console.log(
      `    dist/zero-downtime.js: ${packed.peakRssMb.toFixed(0)} MB (exit ${packed.exitCode}; load ${loadBefore} → ${loadAfter})`,
    );
    return;
  }
  const unpacked = await runSuite(1);
  const minimal = await runBaseline('minimal-mix.js');
  const minimalPacked = await runBaseline('minimal-packed.js');

  const mb = (m: Measured) => `${m.peakRssMb.toFixed(0).padStart(5)} MB (exit ${m.exitCode})`;
  const ratio = (a: Measured, b: Measured) => `${(a.peakRssMb / b.peakRssMb).toFixed(2)}×`;
  console.log(
    'zerodrop suite benchmark (2-core machine, k6, nginx, 3 service processes and Redis on one host)',
  );
  console.log(`  bundles: ${bundles.join(', ')}  (budget < 100 KB each)`);
  console.log('  k6 peak RSS at 300 HTTP + 200 WebSocket users:');
  const packing = `${defaultPerVu} users per VU`;
  console.log(`    zero-downtime.js, ${packing} (the default):  ${mb(packed)}`);
  for (const line of compared) console.log(line);
  console.log(`    zero-downtime.js, 1 user per VU (500 VUs):    ${mb(unpacked)}`);
  console.log(`    minimal-mix.js, 1 user per VU (500 VUs):      ${mb(minimal)}`);
  console.log(`    minimal-packed.js, ${packing}:               ${mb(minimalPacked)}`);
  console.log(
    `  ratio, default vs minimal-mix: ${ratio(packed, minimal)}; vs minimal-packed: ${ratio(packed, minimalPacked)}; 1 per VU vs minimal-mix: ${ratio(unpacked, minimal)}  (budget < 1.3× and < 1024 MB)`,
  );
  console.log(
    `  last rollout end → verdict: ${packed.verdictAfterS.toFixed(1)} s (1 per VU: ${unpacked.verdictAfterS.toFixed(1)} s)  (budget ≤ COOLDOWN ${cooldownS} s + 5 s)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
