/** What a report says about its run besides the verdict. */
import type { Timeline } from '../../run/phase.ts';

export interface RunMeta {
  runId: string;
  target: string;
  profile: string;
  thresholds: string;
  strategy: string;
  rollouts: number;
  users: { http: number; ws: number; perVu: number };
  timeline: Timeline & { rolloutFailure?: string };
  /** The exact command that reproduces this run. */
  command: string;
  durationMs: number;
}
