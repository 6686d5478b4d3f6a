/** The rolling-update state machine and the views it reads from Kubernetes objects. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DeploymentView,
  deploymentView,
  type PodView,
  podView,
  RolloutProgress,
  type RolloutState,
} from '../../validator/rollout/state.ts';

const startedAt = 1_000_000;
const limits = { startTimeoutMs: 30_000, timeoutMs: 300_000 };
const oldPods = new Set(['app-old-a', 'app-old-b', 'app-old-c']);

/** A deployment that observed generation 2 and finished rolling 3 replicas. */
function deployment(overrides: Partial<DeploymentView> = {}): DeploymentView {
  return {
    generation: 2,
    observedGeneration: 2,
    desired: 3,
    current: 3,
    updated: 3,
    available: 3,
    conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    ...overrides,
  };
}

const pods = (...names: string[]): PodView[] => names.map((name) => ({ name, terminating: false }));
const newPods = pods('app-new-a', 'app-new-b', 'app-new-c');

/** Asserts the state's kind and narrows it. */
function expectKind<K extends RolloutState['kind']>(
  state: RolloutState,
  kind: K,
): Extract<RolloutState, { kind: K }> {
  assert.equal(state.kind, kind, JSON.stringify(state));
  return state as Extract<RolloutState, { kind: K }>;
}

function progress(): RolloutProgress {
  return new RolloutProgress(oldPods, 2, startedAt, limits);
}

describe('RolloutProgress', () => {
  it('has not started while the target generation is not observed', () => {
    const state = progress().observe(
      deployment({ observedGeneration: 1, updated: 0 }),
      pods(...oldPods),
      startedAt + 5000,
    );
    assert.deepEqual(state, { kind: 'not-started', detail: 'waiting for generation 2' });
  });

  it('still waits exactly at the start timeout', () => {
    const state = progress().observe(
      deployment({ observedGeneration: 1 }),
      pods(...oldPods),
      startedAt + 30_000,
    );
    expectKind(state, 'not-started');
  });

  it('never started: generation still not observed after the start timeout', () => {
    const state = progress().observe(
      deployment({ observedGeneration: 1 }),
      pods(...oldPods),
      startedAt + 30_001,
    );
    const failed = expectKind(state, 'failed');
    assert.equal(failed.reason, 'never-started');
    assert.equal(failed.podsReplaced, 0);
    assert.match(failed.detail, /generation 2 not observed after 30s \(observed 1\)/);
    assert.match(failed.detail, /controller-manager/);
  });

  it('progresses while replicas are being replaced', () => {
    const state = progress().observe(
      deployment({ updated: 1, available: 3, current: 4 }),
      pods('app-old-a', 'app-old-b', 'app-new-a', 'app-new-b'),
      startedAt + 10_000,
    );
    assert.deepEqual(state, {
      kind: 'progressing',
      podsReplaced: 1,
      detail: '1/3 updated, 3/3 available, 2 old pods left',
    });
  });

  it('is complete when every replica is updated and available and every old pod is gone', () => {
    const state = progress().observe(deployment(), newPods, startedAt + 42_000);
    assert.deepEqual(state, { kind: 'complete', podsReplaced: 3, durationMs: 42_000 });
  });

  it('is not complete while an old pod is still terminating', () => {
    const state = progress().observe(
      deployment(),
      [...newPods, { name: 'app-old-c', terminating: true }],
      startedAt + 42_000,
    );
    const progressing = expectKind(state, 'progressing');
    assert.equal(progressing.podsReplaced, 2);
    assert.match(progressing.detail, /1 old pods left$/);
  });

  for (const [field, value] of [
    ['updated', 2],
    ['available', 2],
    ['current', 4],
  ] as const) {
    it(`is not complete while ${field} is ${value} of 3 desired`, () => {
      const state = progress().observe(deployment({ [field]: value }), newPods, startedAt + 42_000);
      expectKind(state, 'progressing');
    });
  }

  it('is not complete while a newer generation than the trigger is not observed yet', () => {
    const state = progress().observe(
      deployment({ generation: 3, observedGeneration: 2 }),
      newPods,
      startedAt + 42_000,
    );
    expectKind(state, 'progressing');
  });

  it('is complete once a later generation is observed too', () => {
    const state = progress().observe(
      deployment({ generation: 3, observedGeneration: 3 }),
      newPods,
      startedAt + 42_000,
    );
    expectKind(state, 'complete');
  });

  it('stalls on ProgressDeadlineExceeded, with the controller’s message', () => {
    const state = progress().observe(
      deployment({
        updated: 1,
        conditions: [
          { type: 'Available', status: 'True' },
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "app-7c9" has timed out progressing.',
          },
        ],
      }),
      pods('app-old-a', 'app-old-b', 'app-new-a'),
      startedAt + 60_000,
    );
    assert.deepEqual(state, {
      kind: 'failed',
      reason: 'stalled',
      podsReplaced: 1,
      detail: 'ReplicaSet "app-7c9" has timed out progressing.',
    });
  });

  it('stalls with a default detail when the condition has no message', () => {
    const state = progress().observe(
      deployment({
        updated: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
      pods(...oldPods),
      startedAt + 60_000,
    );
    const failed = expectKind(state, 'failed');
    assert.equal(failed.reason, 'stalled');
    assert.equal(failed.detail, 'progress deadline exceeded');
  });

  it('only stalls on a Progressing condition that is False', () => {
    for (const status of ['True', 'Unknown']) {
      const state = progress().observe(
        deployment({
          updated: 1,
          conditions: [{ type: 'Progressing', status, reason: 'ProgressDeadlineExceeded' }],
        }),
        pods(...oldPods),
        startedAt + 60_000,
      );
      expectKind(state, 'progressing');
    }
  });

  it('does not stall on other Progressing=False reasons', () => {
    const state = progress().observe(
      deployment({
        updated: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ReplicaSetCreateError' }],
      }),
      pods(...oldPods),
      startedAt + 60_000,
    );
    expectKind(state, 'progressing');
  });

  it('times out when not complete after the rollout timeout', () => {
    const state = progress().observe(
      deployment({ updated: 2, available: 2 }),
      pods('app-old-a', 'app-new-a', 'app-new-b'),
      startedAt + 300_001,
    );
    assert.deepEqual(state, {
      kind: 'failed',
      reason: 'timed-out',
      podsReplaced: 2,
      detail: 'rollout not complete after 300s: 2/3 updated, 2/3 available, 1 old pods left',
    });
  });

  it('a rollout that completes late is still complete, not timed out', () => {
    const state = progress().observe(deployment(), newPods, startedAt + 400_000);
    assert.deepEqual(state, { kind: 'complete', podsReplaced: 3, durationMs: 400_000 });
  });

  it('completes a deployment scaled to zero once the old pods are gone', () => {
    const state = progress().observe(
      deployment({ desired: 0, current: 0, updated: 0, available: 0 }),
      [],
      startedAt + 1000,
    );
    assert.deepEqual(state, { kind: 'complete', podsReplaced: 3, durationMs: 1000 });
  });
});

describe('deploymentView', () => {
  it('reads the fields from a Deployment object', () => {
    const conditions = [{ type: 'Available', status: 'True' }];
    assert.deepEqual(
      deploymentView({
        metadata: { generation: 7 },
        spec: { replicas: 4 },
        status: {
          observedGeneration: 6,
          replicas: 5,
          updatedReplicas: 2,
          availableReplicas: 3,
          conditions,
        },
      }),
      {
        generation: 7,
        observedGeneration: 6,
        desired: 4,
        current: 5,
        updated: 2,
        available: 3,
        conditions,
      },
    );
  });

  it('defaults missing fields as the API does (replicas 1, counts 0)', () => {
    assert.deepEqual(deploymentView({}), {
      generation: 0,
      observedGeneration: 0,
      desired: 1,
      current: 0,
      updated: 0,
      available: 0,
      conditions: [],
    });
    assert.deepEqual(deploymentView({ metadata: {}, spec: {}, status: {} }), deploymentView({}));
  });

  it('keeps an explicit 0 replicas', () => {
    assert.equal(deploymentView({ spec: { replicas: 0 } }).desired, 0);
  });
});

describe('podView', () => {
  it('reads the name and whether the pod is being deleted', () => {
    assert.deepEqual(podView({ metadata: { name: 'app-1' } }), { name: 'app-1', terminating: false });
    assert.deepEqual(podView({ metadata: { name: 'app-2', deletionTimestamp: '2025-01-01T00:00:00Z' } }), {
      name: 'app-2',
      terminating: true,
    });
  });

  it('tolerates missing metadata', () => {
    assert.deepEqual(podView({}), { name: '', terminating: false });
    assert.deepEqual(podView({ metadata: { deletionTimestamp: '' } }), { name: '', terminating: false });
  });
});
