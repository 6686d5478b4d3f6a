/** What a report says about its run besides the verdict. */
import type { ReadinessReport } from '../../readiness/judge.ts';
import type { Timeline } from '../../run/phase.ts';
import type { RolloutLatency } from './timeline-data.ts';

type RolloutWindow = { index: number; start: number; end: number | null };

export interface RunMeta {
  runId: string;
  target: string;
  profile: string;
  thresholds: string;
  strategy: string;
  rollouts: number;
  users: { http: number; ws: number; perVu: number };
  /**
   * The run's marks, and each rollout's window (epoch ms) where the driver recorded it, with the latency
   * p99 inside it where the users recorded any.
   */
  timeline: Timeline & {
    rolloutFailure?: string;
    rollouts?: (RolloutWindow | RolloutLatency)[];
  };
  /** The exact command that reproduces this run. */
  command: string;
  durationMs: number;
  /** Readiness on drain per replaced pod, when the run checked it. */
  readiness?: ReadinessReport;
}
