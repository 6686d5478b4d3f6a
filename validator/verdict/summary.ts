/**
 * handleSummary glue: builds the verdict, reads the failure breakdown and timelines from the run's
 * control keys, and writes reports/<run-id>/ (summary.txt, summary.json, junit.xml, timeline.html),
 * with the text summary on stdout too. k6 itself writes dashboard.html there when the launcher asked
 * (report/dashboard.ts).
 */

import type { ReadinessReport } from '../readiness/judge.ts';
import { reportKey } from '../readiness/keys.ts';
import { type PodEvents, parsePods } from '../rollout/pod-events.ts';
import { RunControl } from '../run/control.ts';
import type { SecondRecord } from '../run/per-second.ts';
import { emptyTimeline, parseTimeline } from '../run/phase.ts';
import { reportKeysTtlSeconds } from '../settings/options.ts';
import { redact } from '../settings/redact.ts';
import type { Config } from '../settings/registry.ts';
import { runVariables } from '../settings/registry.ts';
import type { Guard, NotChecked } from './invariants.ts';
import { type BreakdownRow, parseBreakdown, parseSeries, type SeriesPoint } from './report/breakdown.ts';
import { dashboardBeside } from './report/dashboard.ts';
import { diagnose } from './report/diagnosis.ts';
import type { RunRecord } from './report/files.ts';
import { htmlReport } from './report/html.ts';
import { junitReport } from './report/junit.ts';
import type { RunMeta } from './report/meta.ts';
import { proven } from './report/proven.ts';
import { textReport } from './report/text.ts';
import { latencyPerRollout, parseRollouts, parseSeconds } from './report/timeline-data.ts';
import { buildVerdict, type SummaryData } from './report/verdict.ts';

export { type RunRecord, reportFiles } from './report/files.ts';

/** Without zerodrop's extension (load.js, smoke.js): the folder is the caller's, setup's reason unknown. */
const callerFolder: RunRecord = { notRun: () => '', runId: () => '', reportFolder: () => true };

export function reproduceCommand(env: Record<string, string | undefined>, script: string): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const vars = runVariables()
    .filter((k) => env[k])
    .map((k) => `${k}=${quote(redact(env[k] as string))}`);
  return [...vars, 'k6', 'run', script].join(' ');
}

interface Collected {
  breakdown: BreakdownRow[];
  /** What the users did each second (per-second.ts), merged over the VUs. */
  seconds: SecondRecord[];
  failures: SeriesPoint[];
  pods: PodEvents;
  timeline: RunMeta['timeline'];
  /** Logouts the run recorded (the diagnosis compares them with the sessions left alive). */
  logouts?: number;
  /** Readiness on drain per replaced pod (teardown's verdict), when the run checked it. */
  readiness?: ReadinessReport | null;
}

async function collect(control: RunControl | null): Promise<Collected> {
  if (!control) return { breakdown: [], seconds: [], failures: [], pods: {}, timeline: emptyTimeline };
  const hash = await control.client.hgetall(control.key('timeline'));
  return {
    breakdown: parseBreakdown(await control.client.hgetall(control.key('failures'))),
    seconds: parseSeconds(await control.client.hgetall(control.key('seconds'))),
    failures: parseSeries(await control.client.hgetall(control.key('failure-seconds'))),
    pods: parsePods(await control.client.hgetall(control.key('pods'))),
    timeline: {
      ...parseTimeline(hash),
      ...(hash.rolloutFailure ? { rolloutFailure: hash.rolloutFailure } : {}),
      rollouts: parseRollouts(hash),
    },
    logouts: Number(await control.client.sendCommand('SCARD', control.key('logged-out'))),
    // The per-pod verdict teardown left (readiness/teardown.ts); null when the run did not check it.
    readiness: await control.getJson<ReadinessReport>(reportKey),
  };
}

/** What handleSummary receives. */
export type SummaryInput = SummaryData & { setup_data?: { runId?: string } };

export async function summarize(
  data: SummaryInput,
  config: Config,
  guards: Guard[],
  script: string,
  options: { notChecked?: NotChecked[]; record?: RunRecord } = {},
): Promise<Record<string, string>> {
  const record = options.record ?? callerFolder;
  const setupCompleted = data.setup_data?.runId !== undefined;
  const runId = data.setup_data?.runId || record.runId() || config.runId;
  // A run setup() stopped has no breakdown, and Redis may be what stopped it. The summary only reads:
  // were it to write a key, the reports are all that would still need it.
  const control =
    config.redisUrl && setupCompleted ? new RunControl(config.redisUrl, runId, reportKeysTtlSeconds) : null;
  let collected: Collected;
  try {
    collected = await collect(control);
  } catch (error) {
    console.error(`report: cannot read the run's breakdown from Redis: ${String(error)}`);
    collected = await collect(null);
  }
  const notRun = setupCompleted ? '' : record.notRun() || 'setup() stopped the run (see the error above)';
  const verdict = notRun
    ? { passed: false, rows: [], notChecked: [], notRun }
    : buildVerdict(data, guards, options.notChecked);
  if (!notRun) verdict.proven = proven(data, verdict, config.proveLossBelow);
  const meta: RunMeta = {
    runId,
    target: redact(config.baseUrl),
    profile: config.profile,
    thresholds: config.thresholds,
    strategy: config.strategy,
    rollouts: config.rollouts,
    users: { http: config.httpUsers, ws: config.wsUsers, perVu: config.usersPerVu },
    timeline: {
      ...collected.timeline,
      rollouts: latencyPerRollout(collected.seconds, collected.timeline.rollouts ?? []),
    },
    command: reproduceCommand(__ENV, script),
    durationMs: data.state?.testRunDurationMs ?? 0,
    ...(collected.readiness ? { readiness: collected.readiness } : {}),
  };
  const diagnosis = diagnose({
    verdict,
    breakdown: collected.breakdown,
    timeline: collected.timeline,
    failureSeconds: collected.failures,
    ...(collected.logouts === undefined ? {} : { logouts: collected.logouts }),
  });
  const dir = `${config.reportDir}/${runId}`;
  const written = record.reportFolder(dir, setupCompleted);
  const dashboard = dashboardBeside(__ENV, dir);
  const text = textReport(verdict, collected.breakdown, meta, written ? dir : null, diagnosis, dashboard);
  if (!written) return { stdout: `\n${text}` };
  return {
    stdout: `\n${text}`,
    [`${dir}/summary.txt`]: text,
    [`${dir}/summary.json`]: JSON.stringify(
      {
        ...(notRun ? { notRun } : {}),
        verdict,
        meta,
        breakdown: collected.breakdown,
        diagnosis,
        pods: collected.pods,
        k6: data,
      },
      null,
      2,
    ),
    [`${dir}/junit.xml`]: junitReport(verdict, meta, diagnosis),
    [`${dir}/timeline.html`]: htmlReport(
      verdict,
      collected.breakdown,
      collected.seconds,
      collected.failures,
      meta,
      diagnosis,
      { pods: collected.pods, ...(dashboard ? { dashboard } : {}) },
    ),
  };
}
