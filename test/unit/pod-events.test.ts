/** Pod lifecycle events from the pod listings the rolling driver makes while it follows a rollout. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lifecycleOf, PodEventLog, type PodObject } from '../../validator/rollout/pod-events.ts';

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, s)).toISOString();
const t = (s: number) => Date.UTC(2025, 0, 1, 12, 0, s);

function pod(
  name: string,
  life: { created?: number; ready?: boolean; since?: number; deleted?: number; grace?: number },
): PodObject {
  return {
    metadata: {
      name,
      ...(life.created === undefined ? {} : { creationTimestamp: at(life.created) }),
      ...(life.deleted === undefined
        ? {}
        : {
            deletionTimestamp: at(life.deleted + (life.grace ?? 30)),
            deletionGracePeriodSeconds: life.grace ?? 30,
          }),
    },
    status: {
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: at(0) },
        ...(life.since === undefined
          ? []
          : [{ type: 'Ready', status: life.ready ? 'True' : 'False', lastTransitionTime: at(life.since) }]),
      ],
    },
  };
}

describe('lifecycleOf', () => {
  it('reads creation, the Ready condition and the deletion request (deletionTimestamp less the grace period)', () => {
    assert.deepEqual(lifecycleOf(pod('a', { created: 1, ready: true, since: 3, deleted: 20, grace: 30 })), {
      created: t(1),
      ready: t(3),
      terminating: t(20),
    });
    assert.deepEqual(lifecycleOf(pod('b', { created: 1, ready: false, since: 1 })), {
      created: t(1),
      unready: t(1),
    });
    assert.deepEqual(lifecycleOf({}), {});
    assert.deepEqual(lifecycleOf({ metadata: { creationTimestamp: 'not a time' } }), {});
  });
});

describe('PodEventLog', () => {
  it('records each event once, unready only after ready, and gone at the first listing without the pod', () => {
    const log = new PodEventLog();
    assert.deepEqual(
      log.observe(
        [
          pod('old', { created: 0, ready: true, since: 2 }),
          pod('new', { created: 10, ready: false, since: 10 }),
        ],
        t(11),
      ),
      { 'old|created': t(0), 'old|ready': t(2), 'new|created': t(10) },
      'a pod not ready yet is starting, not unready',
    );
    assert.deepEqual(
      log.observe(
        [
          pod('old', { created: 0, ready: true, since: 2 }),
          pod('new', { created: 10, ready: true, since: 13 }),
        ],
        t(14),
      ),
      { 'new|ready': t(13) },
    );
    assert.deepEqual(
      log.observe(
        [
          pod('old', { created: 0, ready: false, since: 16, deleted: 15, grace: 30 }),
          pod('new', { created: 10, ready: true, since: 13 }),
        ],
        t(17),
      ),
      { 'old|unready': t(16), 'old|terminating': t(15) },
    );
    assert.deepEqual(log.observe([pod('new', { created: 10, ready: true, since: 13 })], t(25)), {
      'old|gone': t(25),
    });
    assert.deepEqual(
      log.observe([pod('new', { created: 10, ready: true, since: 13 })], t(26)),
      {},
      'nothing new',
    );
    assert.deepEqual(
      log.observe([{ metadata: {} }], t(27)),
      { 'new|gone': t(27) },
      'a pod without a name is skipped',
    );
  });
});
