/**
 * handleSummary glue: builds the verdict, reads the failure breakdown and timelines from the run's
 * control keys, and writes reports/<run-id>/ (summary.txt, summary.json, junit.xml, timeline.html),
 * with the text summary on stdout too.
 */
import type { Config } from './config.ts';
import { RunControl } from './control.ts';
import type { Guard, NotChecked } from './invariants.ts';
import { emptyTimeline, parseTimeline } from './phase.ts';
import { type BreakdownRow, parseBreakdown, parseSeries, type SeriesPoint } from './report/breakdown.ts';
import { diagnose } from './report/diagnosis.ts';
import { htmlReport } from './report/html.ts';
import { junitReport } from './report/junit.ts';
import type { RunMeta } from './report/meta.ts';
import { textReport } from './report/text.ts';
import { buildVerdict, type SummaryData } from './report/verdict.ts';
import { runVariables } from './run-variables.ts';

export function reproduceCommand(env: Record<string, string | undefined>, script: string): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const vars = runVariables.filter((k) => env[k]).map((k) => `${k}=${quote(env[k] as string)}`);
  return [...vars, 'k6', 'run', script].join(' ');
}

interface Collected {
  breakdown: BreakdownRow[];
  traffic: SeriesPoint[];
  failures: SeriesPoint[];
  timeline: RunMeta['timeline'];
  /** Logouts the run recorded (the diagnosis compares them with the sessions left alive). */
  logouts?: number;
}

async function collect(control: RunControl | null): Promise<Collected> {
  if (!control) return { breakdown: [], traffic: [], failures: [], timeline: emptyTimeline };
  const hash = await control.client.hgetall(control.key('timeline'));
  return {
    breakdown: parseBreakdown(await control.client.hgetall(control.key('failures'))),
    traffic: parseSeries(await control.client.hgetall(control.key('traffic-seconds'))),
    failures: parseSeries(await control.client.hgetall(control.key('failure-seconds'))),
    timeline: {
      ...parseTimeline(hash),
      ...(hash.rolloutFailure ? { rolloutFailure: hash.rolloutFailure } : {}),
    },
    logouts: Number(await control.client.sendCommand('SCARD', control.key('logged-out'))),
  };
}

export async function summarize(
  data: SummaryData & { setup_data?: { runId?: string } },
  config: Config,
  guards: Guard[],
  script: string,
  notChecked: NotChecked[] = [],
): Promise<Record<string, string>> {
  const runId = data.setup_data?.runId ?? config.runId;
  const control = config.redisUrl ? new RunControl(config.redisUrl, runId) : null;
  let collected: Collected;
  try {
    collected = await collect(control);
  } catch (error) {
    console.error(`report: cannot read the run's breakdown from Redis: ${String(error)}`);
    collected = await collect(null);
  }
  const verdict = buildVerdict(data, guards, notChecked);
  const meta: RunMeta = {
    runId,
    target: config.baseUrl,
    profile: config.profile,
    thresholds: config.thresholds,
    strategy: config.strategy,
    rollouts: config.rollouts,
    users: { http: config.httpUsers, ws: config.wsUsers, perVu: config.usersPerVu },
    timeline: collected.timeline,
    command: reproduceCommand(__ENV, script),
    durationMs: data.state?.testRunDurationMs ?? 0,
  };
  const diagnosis = diagnose({
    verdict,
    breakdown: collected.breakdown,
    timeline: collected.timeline,
    failureSeconds: collected.failures,
    ...(collected.logouts === undefined ? {} : { logouts: collected.logouts }),
  });
  const dir = `${config.reportDir}/${runId}`;
  const text = textReport(verdict, collected.breakdown, meta, dir, diagnosis);
  return {
    stdout: `\n${text}`,
    [`${dir}/summary.txt`]: text,
    [`${dir}/summary.json`]: JSON.stringify(
      { verdict, meta, breakdown: collected.breakdown, diagnosis, k6: data },
      null,
      2,
    ),
    [`${dir}/junit.xml`]: junitReport(verdict, meta, diagnosis),
    [`${dir}/timeline.html`]: htmlReport(
      verdict,
      collected.breakdown,
      collected.traffic,
      collected.failures,
      meta,
      diagnosis,
    ),
  };
}
