/**
 * The rolling-update state machine: from snapshots of a Deployment and its pods, decides whether a
 * triggered rollout has not started, is progressing, is complete (generation observed, every replica
 * updated and available, every old pod gone) or has stalled. Pure: no k6 imports.
 */

export interface DeploymentView {
  generation: number;
  observedGeneration: number;
  /** spec.replicas */
  desired: number;
  /** status.replicas: pods of every revision, terminating ones excluded. */
  current: number;
  updated: number;
  available: number;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

export interface PodView {
  name: string;
  /** Set once the pod is being deleted. */
  terminating: boolean;
}

export type RolloutState =
  | { kind: 'not-started'; detail: string }
  | { kind: 'progressing'; detail: string; podsReplaced: number }
  | { kind: 'complete'; podsReplaced: number; durationMs: number }
  | {
      kind: 'failed';
      reason: 'never-started' | 'stalled' | 'timed-out';
      detail: string;
      podsReplaced: number;
    };

export interface RolloutLimits {
  /** A rollout whose generation is not observed within this is reported as never started. */
  startTimeoutMs: number;
  timeoutMs: number;
}

export class RolloutProgress {
  constructor(
    /** Pods that existed when the rollout was triggered. */
    private readonly oldPods: ReadonlySet<string>,
    /** Deployment generation written by the trigger. */
    private readonly targetGeneration: number,
    private readonly startedAt: number,
    private readonly limits: RolloutLimits,
  ) {}

  observe(deployment: DeploymentView, pods: readonly PodView[], now: number): RolloutState {
    const present = new Set(pods.map((p) => p.name));
    const podsReplaced = [...this.oldPods].filter((name) => !present.has(name)).length;
    const elapsed = now - this.startedAt;
    const started = deployment.observedGeneration >= this.targetGeneration;

    if (!started) {
      if (elapsed > this.limits.startTimeoutMs) {
        return {
          kind: 'failed',
          reason: 'never-started',
          podsReplaced,
          detail: `generation ${this.targetGeneration} not observed after ${Math.round(elapsed / 1000)}s (observed ${deployment.observedGeneration}): is the controller-manager running?`,
        };
      }
      return { kind: 'not-started', detail: `waiting for generation ${this.targetGeneration}` };
    }

    const stalled = deployment.conditions.find(
      (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (stalled) {
      return {
        kind: 'failed',
        reason: 'stalled',
        podsReplaced,
        detail: stalled.message ?? 'progress deadline exceeded',
      };
    }

    const { desired, current, updated, available } = deployment;
    const oldLeft = this.oldPods.size - podsReplaced;
    // Like `kubectl rollout status`: the status must describe the latest spec, not an earlier generation.
    const latestObserved = deployment.observedGeneration >= deployment.generation;
    if (
      latestObserved &&
      updated === desired &&
      available === desired &&
      current === desired &&
      oldLeft === 0
    ) {
      return { kind: 'complete', podsReplaced, durationMs: elapsed };
    }
    const detail = `${updated}/${desired} updated, ${available}/${desired} available, ${oldLeft} old pods left`;
    if (elapsed > this.limits.timeoutMs) {
      return {
        kind: 'failed',
        reason: 'timed-out',
        podsReplaced,
        detail: `rollout not complete after ${Math.round(elapsed / 1000)}s: ${detail}`,
      };
    }
    return { kind: 'progressing', podsReplaced, detail };
  }
}

/** Reads the fields the state machine needs from a Deployment object as the API returns it. */
export function deploymentView(obj: {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: DeploymentView['conditions'];
  };
}): DeploymentView {
  return {
    generation: obj.metadata?.generation ?? 0,
    observedGeneration: obj.status?.observedGeneration ?? 0,
    desired: obj.spec?.replicas ?? 1,
    current: obj.status?.replicas ?? 0,
    updated: obj.status?.updatedReplicas ?? 0,
    available: obj.status?.availableReplicas ?? 0,
    conditions: obj.status?.conditions ?? [],
  };
}

export function podView(obj: { metadata?: { name?: string; deletionTimestamp?: string } }): PodView {
  return { name: obj.metadata?.name ?? '', terminating: Boolean(obj.metadata?.deletionTimestamp) };
}
