/**
 * The run's own report folder, through zerodrop's k6 extension (`k6/x/zerodrop`), for the entries built
 * for bin/k6 (zero-downtime, rollout; load.js stays free of community extensions): created in setup()
 * before any load with mode 0700 (report files 0600), refused when it holds an earlier run's reports,
 * and the reason setup() stopped kept for handleSummary, which runs in another VU.
 */
import exec from 'k6/execution';
import { privateFolder, recall, remember } from 'k6/x/zerodrop';
import { errorText } from '../rollout/kube.ts';
import { type RunRecord, reportFiles } from '../verdict/report/files.ts';
import type { RunControl } from './control.ts';
import { stopSetup, whenSetupStops } from './preflight.ts';

whenSetupStops((reason) => remember('notRun', reason));

/** setup(): creates `<reportDir>/<runId>/` (0700), or stops the run (108) saying why. */
export function claimReportFolder(reportDir: string, runId: string): void {
  const dir = `${reportDir}/${runId}`;
  remember('runId', runId);
  let entries: string[];
  try {
    entries = privateFolder(dir);
  } catch (error) {
    stopSetup('REPORT_DIR', `cannot create the report folder ${dir}/: ${errorText(error)}`);
  }
  if (entries.some((name) => reportFiles.includes(name)))
    stopSetup('RUN_ID', `'${runId}' was used already: ${dir}/ holds its reports (pick a new RUN_ID)`);
  remember('reportFolder', dir);
}

/**
 * setup(): claims the run id in Redis, or stops the run (108): two runs never share keys. Each runner of
 * a distributed run (the k6-operator: every runner runs setup() with its own execution segment) claims
 * its segment of the run's segment sequence.
 */
export async function claimRunId(control: RunControl, runId: string): Promise<void> {
  const { executionSegment, executionSegmentSequence } = exec.test.options as {
    executionSegment?: string | null;
    executionSegmentSequence?: string | null;
  };
  const runner = executionSegment
    ? { segment: executionSegment, sequence: executionSegmentSequence || 'segmented' }
    : null;
  if (!(await control.claim(Date.now(), runner)))
    stopSetup('RUN_ID', `'${runId}' was used already: Redis holds zdrun:${runId}:* (pick a new RUN_ID)`);
}

/** What handleSummary needs to know about setup(), whichever VU ran it. */
export const runRecord: RunRecord = {
  notRun: () => recall('notRun'),
  runId: () => recall('runId'),
  reportFolder(dir, setupCompleted) {
    // A setup() that stopped: only the folder it prepared (never an earlier run's). A completed one: the
    // run's folder, created here when another k6-operator runner ran setup().
    if (!setupCompleted || recall('reportFolder') === dir) return recall('reportFolder') === dir;
    try {
      privateFolder(dir);
      return true;
    } catch {
      return false;
    }
  },
};
