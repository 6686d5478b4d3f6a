/**
 * Seed 001's headline run as a benchmark (not a test): many sequential rolling updates of the reference
 * service on the embedded cluster under 300 HTTP + 200 WebSocket users, in one k6 run, then the figures
 * that show whether anything drifts from the first rollout to the last:
 *  - wall time of the whole run and each rollout's duration (first, median, last);
 *  - the session persistence score and the verdict;
 *  - k6's peak RSS (VmHWM of the k6 process, sampled) and its event-loop lag p99 (zd_k6_lag_ms);
 *  - HTTP and feed latency p99 inside the first and the last rollout (summary.json's per-rollout figures).
 * Brings the cluster up and deploys the good reference service first (both idempotent).
 * Run: npx tsx bench/rollouts.ts   (after make k6 bundle cluster-binaries)
 * Env: BENCH_ROLLOUTS (50), BENCH_HTTP_USERS (300), BENCH_WS_USERS (200).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { clusterUp, loadImages } from '../cluster/cluster.ts';
import { deploy } from '../deploy/deploy.ts';
import { validate } from '../deploy/validate.ts';
import { Status } from '../tools/status.ts';
import { newRunId } from '../validator/run/run-id.ts';
import type { RolloutLatency } from '../validator/verdict/report/timeline-data.ts';

const rollouts = Number(process.env.BENCH_ROLLOUTS ?? 50);
const httpUsers = process.env.BENCH_HTTP_USERS ?? '300';
const wsUsers = process.env.BENCH_WS_USERS ?? '200';

/** Peak VmHWM (MB) of every process named k6, sampled until stopped. */
function sampleK6Memory(): { stop: () => number } {
  let peakKb = 0;
  const timer = setInterval(() => {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'k6') continue;
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        peakKb = Math.max(peakKb, Number(hwm ?? 0));
      } catch {
        // the process ended between the listing and the read
      }
    }
  }, 500);
  return {
    stop: () => {
      clearInterval(timer);
      return peakKb / 1024;
    },
  };
}

interface Summary {
  verdict: { passed: boolean; rows: { metric: string; value: string; ok: boolean }[] };
  meta: { durationMs: number; timeline: { rollouts?: RolloutLatency[] } };
  k6: { metrics: Record<string, { values: Record<string, number> } | undefined> };
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);
const seconds = (r: RolloutLatency) => (r.end === null ? null : (r.end - r.start) / 1000);

async function main(): Promise<void> {
  const status = new Status(process.stdout);
  await clusterUp(status);
  await loadImages(status);
  await deploy({ mode: 'good', layout: 'rolling', cluster: 'embedded' }, status);
  const load = loadavg()[0]?.toFixed(1);
  const memory = sampleK6Memory();
  const started = Date.now();
  const result = await validate({
    RUN_ID: newRunId('bench-rollouts'),
    ROLLOUTS: String(rollouts),
    HTTP_USERS: httpUsers,
    WS_USERS: wsUsers,
    BASELINE: '15s',
    COOLDOWN: '10s',
    ROLLOUT_TIMEOUT: '3m',
  });
  const wallS = (Date.now() - started) / 1000;
  const peakMb = memory.stop();
  const summary = JSON.parse(readFileSync(join(result.reportDir, 'summary.json'), 'utf8')) as Summary;
  const windows = summary.meta.timeline.rollouts ?? [];
  const durations = windows
    .map(seconds)
    .filter((d): d is number => d !== null)
    .sort((a, b) => a - b);
  const first = windows[0];
  const last = windows.at(-1);
  const metric = (name: string) => summary.k6.metrics[name]?.values;
  const persisted = metric('zd_session_persisted')?.rate;
  const failed = summary.verdict.rows.filter((r) => !r.ok).map((r) => `${r.metric}=${r.value}`);

  console.log(`\n${rollouts} rolling updates at ${httpUsers} HTTP + ${wsUsers} WebSocket users`);
  console.log(
    `  machine: ${cpus().length} cores, load average ${load} before → ${loadavg()[0]?.toFixed(1)} after`,
  );
  console.log(
    `  verdict: ${summary.verdict.passed ? 'PASS' : `FAIL (${failed.join(', ')})`} (exit ${result.exitCode})`,
  );
  console.log(`  wall time: ${wallS.toFixed(0)} s (k6 ${(summary.meta.durationMs / 1000).toFixed(0)} s)`);
  console.log(
    `  rollouts completed: ${durations.length}; duration min/median/max ${durations[0]?.toFixed(1)} / ${durations[Math.floor(durations.length / 2)]?.toFixed(1)} / ${durations.at(-1)?.toFixed(1)} s`,
  );
  console.log(
    `  session persistence score: ${persisted === undefined ? '—' : `${(persisted * 100).toFixed(2)} %`}`,
  );
  console.log(
    `  k6 peak RSS: ${peakMb.toFixed(0)} MB; event-loop lag p99 ${ms(metric('zd_k6_lag_ms')?.['p(99)'])}`,
  );
  if (first && last) {
    console.log(
      `  rollout ${first.index}: ${seconds(first)?.toFixed(1)} s, HTTP p99 ${ms(first.httpP99Ms)}, feed p99 ${ms(first.feedP99Ms)}`,
    );
    console.log(
      `  rollout ${last.index}: ${seconds(last)?.toFixed(1)} s, HTTP p99 ${ms(last.httpP99Ms)}, feed p99 ${ms(last.feedP99Ms)}`,
    );
  }
  console.log(`  report: ${result.reportDir}`);
}

await main();
