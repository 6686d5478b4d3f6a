/**
 * Benchmark of the validation suite (not a test): prints figures for issue 4's budget.
 *  - bundle sizes of dist/*.js (budget < 100 KB each);
 *  - k6 peak RSS at 300 HTTP + 200 WebSocket users running zero-downtime.js against three reference
 *    service processes behind nginx during a rolling restart, and of bench/minimal-mix.js (the same
 *    VU mix without zerodrop's tracking) against the same fleet (budget: < 1 GiB and < 1.3×);
 *  - time from the end of the last rollout to the verdict (k6's exit), against COOLDOWN + 5 s.
 * Run: npx tsx bench/suite.ts   (after make k6 bundle)
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { actOnRollouts } from '../test/support/external-rollout.ts';
import { type Fleet, startFleet } from '../test/support/fleet.ts';
import { k6Binary } from '../test/support/k6.ts';
import { startRedis } from '../test/support/redis.ts';

const repo = join(import.meta.dirname, '..');
const cooldownS = 5;

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
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
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

async function main(): Promise<void> {
  const bundles = readdirSync(join(repo, 'dist'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => `${f} ${(statSync(join(repo, 'dist', f)).size / 1024).toFixed(1)} KB`);

  const suite = await withFleet(async (fleet, redisUrl) => {
    const runId = `bench-${Date.now().toString(36)}`;
    const actor = actOnRollouts(redisUrl, runId, fleet, 1);
    const measured = await measureK6([join('dist', 'zero-downtime.js')], {
      RUN_ID: runId,
      BASE_URL: fleet.url,
      REDIS_URL: redisUrl,
      STRATEGY: 'none',
      BASELINE: '10s',
      COOLDOWN: `${cooldownS}s`,
      REPORT_DIR: '/tmp',
    });
    await actor.stop();
    const redis = new Redis(redisUrl);
    const rolloutEnd = Number(await redis.hget(`zdrun:${runId}:timeline`, 'rolloutEnd'));
    redis.disconnect();
    return { ...measured, verdictAfterS: (measured.exitedAt - rolloutEnd) / 1000 };
  });
  const minimal = await withFleet((fleet) =>
    measureK6([join('bench', 'minimal-mix.js')], { BASE_URL: fleet.url, DURATION_S: '30' }),
  );

  console.log(
    'zerodrop suite benchmark (2-core machine, k6, nginx, 3 service processes and Redis on one host)',
  );
  console.log(`  bundles: ${bundles.join(', ')}  (budget < 100 KB each)`);
  console.log(
    `  k6 peak RSS, zero-downtime.js 300 HTTP + 200 WS: ${suite.peakRssMb.toFixed(0)} MB (exit ${suite.exitCode})`,
  );
  console.log(
    `  k6 peak RSS, minimal same VU mix:              ${minimal.peakRssMb.toFixed(0)} MB (exit ${minimal.exitCode})`,
  );
  console.log(`  ratio: ${(suite.peakRssMb / minimal.peakRssMb).toFixed(2)}×  (budget < 1.3× and < 1024 MB)`);
  console.log(
    `  last rollout end → verdict: ${suite.verdictAfterS.toFixed(1)} s  (budget ≤ COOLDOWN ${cooldownS} s + 5 s)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
