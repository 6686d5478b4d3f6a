/** Threshold profiles, guards and the k6 thresholds of a run. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import type { TargetProfile } from '../../validator/profile/profile.ts';
import { invariantTitles } from '../../validator/verdict/catalog.ts';
import {
  type Guard,
  guardsFor,
  notCheckedBy,
  type ThresholdProfile,
  thresholdsFor,
  validateThresholdProfile,
} from '../../validator/verdict/invariants.ts';

const referenceWs =
  referenceProfile.websocket ?? assert.fail('the reference profile has a websocket section');
/** The reference profile without orders: a service that only streams. */
const withoutOrders: TargetProfile = {
  ...referenceProfile,
  websocket: { ...referenceWs, order: undefined },
  redis: { session: referenceProfile.redis?.session },
};

function assertInvalid(data: unknown, expected: RegExp): void {
  assert.throws(() => validateThresholdProfile('custom', data), { message: expected });
}

describe('validateThresholdProfile', () => {
  it('returns a valid profile as it is', () => {
    const data = {
      description: 'd',
      thresholds: { zd_http_5xx: ['count==0'], zd_reconnect_ms: ['p(99)<5000'] },
    };
    assert.equal(validateThresholdProfile('custom', data), data);
  });

  it('accepts an empty thresholds object', () => {
    assert.deepEqual(validateThresholdProfile('custom', { description: '', thresholds: {} }).thresholds, {});
  });

  it('needs a description and a thresholds object', () => {
    const shape = /^THRESHOLDS: profile 'custom' must have a description and a thresholds object$/;
    assertInvalid(null, shape);
    assertInvalid('strict', shape);
    assertInvalid({ thresholds: {} }, shape);
    assertInvalid({ description: 'd' }, shape);
    assertInvalid({ description: 'd', thresholds: null }, shape);
    assertInvalid({ description: 'd', thresholds: 'count==0' }, shape);
  });

  it('rejects unknown metrics, naming them', () => {
    assertInvalid(
      { description: 'd', thresholds: { zd_http_5xx: ['count==0'], http_req_failed: ['rate<0.01'] } },
      /^THRESHOLDS: profile 'custom' names unknown metric 'http_req_failed'$/,
    );
  });

  it('rejects guard metrics: a profile only names invariants', () => {
    assertInvalid(
      { description: 'd', thresholds: { zd_sessions_established: ['count>0'] } },
      /unknown metric/,
    );
  });

  it('rejects names inherited from Object.prototype', () => {
    for (const metric of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const data = JSON.parse(`{"description":"d","thresholds":{"${metric}":["count==0"]}}`);
      assertInvalid(data, new RegExp(`unknown metric '${metric}'`));
    }
  });

  it('needs a list of threshold expressions per metric', () => {
    const list = /^THRESHOLDS: profile 'custom': zd_http_5xx must be a list of threshold expressions$/;
    assertInvalid({ description: 'd', thresholds: { zd_http_5xx: 'count==0' } }, list);
    assertInvalid({ description: 'd', thresholds: { zd_http_5xx: [0] } }, list);
    assertInvalid({ description: 'd', thresholds: { zd_http_5xx: [{ threshold: 'count==0' }] } }, list);
  });
});

const metricsOf = (guards: Guard[]) => guards.map((g) => g.metric);

describe('guardsFor', () => {
  it('always requires every user to log in and finish, and k6 to keep up with them', () => {
    const guards = guardsFor({ httpUsers: 30, wsUsers: 0, rollouts: 1 }, { rollout: false, audit: false });
    assert.deepEqual(guards, [
      {
        metric: 'zd_sessions_established',
        threshold: 'count>=30',
        title: 'every synthetic user (30) logged in',
      },
      {
        metric: 'zd_users_finished',
        threshold: 'count>=30',
        title: 'every synthetic user (30) ran to the end',
      },
      {
        metric: 'zd_k6_lag_ms',
        threshold: 'p(99)<5000',
        title: 'k6 kept up with its users (event-loop lag p99 < 5 s)',
      },
    ]);
  });

  it('requires feed messages when there are WebSocket users', () => {
    const guards = guardsFor(
      { httpUsers: 30, wsUsers: 20, rollouts: 1 },
      { rollout: false, audit: false, profile: withoutOrders },
    );
    assert.deepEqual(metricsOf(guards), [
      'zd_sessions_established',
      'zd_users_finished',
      'zd_k6_lag_ms',
      'zd_msgs_received',
    ]);
    assert.equal(guards[0]?.threshold, 'count>=50');
    assert.equal(guards[3]?.threshold, 'count>0');
  });

  it('requires every rollout to complete and replace pods when there is a rollout', () => {
    const guards = guardsFor(
      { httpUsers: 1, wsUsers: 1, rollouts: 3 },
      { rollout: true, audit: false, profile: withoutOrders },
    );
    assert.deepEqual(metricsOf(guards), [
      'zd_sessions_established',
      'zd_users_finished',
      'zd_k6_lag_ms',
      'zd_msgs_received',
      'zd_rollouts_completed',
      'zd_pods_replaced',
      'zd_pods_not_replaced',
      'zd_rollout_phase_samples',
    ]);
    const byMetric = new Map(guards.map((g) => [g.metric, g]));
    assert.equal(byMetric.get('zd_rollouts_completed')?.threshold, 'count>=3');
    assert.equal(byMetric.get('zd_rollouts_completed')?.title, 'every requested rollout (3) completed');
    assert.equal(byMetric.get('zd_pods_replaced')?.threshold, 'count>0');
    assert.equal(byMetric.get('zd_pods_not_replaced')?.threshold, 'count==0');
    assert.equal(byMetric.get('zd_rollout_phase_samples')?.threshold, 'count>0');
  });

  it('requires the audit to run when there is one', () => {
    const guards = guardsFor({ httpUsers: 5, wsUsers: 0, rollouts: 1 }, { rollout: false, audit: true });
    assert.deepEqual(guards.at(-1), {
      metric: 'zd_audit_runs',
      threshold: 'count>=1',
      title: 'the Redis audit ran',
    });
    assert.equal(guards.length, 4);
  });

  it('never guards an invariant metric', () => {
    const guards = guardsFor(
      { httpUsers: 5, wsUsers: 5, rollouts: 2 },
      { rollout: true, audit: true, profile: referenceProfile },
    );
    assert.equal(guards.length, 11);
    for (const guard of guards) assert.ok(!Object.hasOwn(invariantTitles(), guard.metric), guard.metric);
  });
});

describe('guardsFor: orders', () => {
  it('requires that orders were sent and acknowledged when the profile declares orders', () => {
    const guards = guardsFor(
      { httpUsers: 0, wsUsers: 4, rollouts: 1 },
      { rollout: false, audit: false, profile: referenceProfile },
    );
    assert.deepEqual(metricsOf(guards).slice(-2), ['zd_orders_sent', 'zd_orders_acked']);
    assert.ok(guards.slice(-2).every((g) => g.threshold === 'count>0'));
  });

  it('has no feed or order guards without WebSocket users', () => {
    const guards = guardsFor(
      { httpUsers: 4, wsUsers: 0, rollouts: 1 },
      { rollout: false, audit: false, profile: referenceProfile },
    );
    assert.deepEqual(metricsOf(guards), ['zd_sessions_established', 'zd_users_finished', 'zd_k6_lag_ms']);
  });
});

describe('notCheckedBy', () => {
  it('checks everything for the reference profile', () => {
    assert.deepEqual(notCheckedBy(referenceProfile), []);
  });

  it('names what a profile lacks for each invariant it cannot feed', () => {
    const httpOnly: TargetProfile = {
      ...referenceProfile,
      websocket: undefined,
      redis: undefined,
      http: { ...referenceProfile.http, logout: undefined },
    };
    const byMetric = new Map(notCheckedBy(httpOnly).map((n) => [n.metric, n.reason]));
    assert.equal(byMetric.get('zd_logout_ineffective'), 'the profile lacks http.logout');
    assert.equal(byMetric.get('zd_msgs_lost'), 'the profile lacks websocket.frames.feed');
    assert.equal(byMetric.get('zd_orders_applied_twice'), 'the profile lacks websocket.order');
    assert.equal(byMetric.get('zd_audit_sessions_missing'), 'the profile lacks redis.session');
    assert.equal(byMetric.get('zd_audit_orders_not_once'), 'the profile lacks redis.orders');
    assert.equal(byMetric.has('zd_auth_lost'), false);
    assert.equal(byMetric.has('zd_identity_changed'), false);
  });

  it('leaves out of the thresholds what is not checked', () => {
    const notChecked = notCheckedBy(withoutOrders);
    assert.deepEqual(notChecked.map((n) => n.metric).sort(), [
      'zd_audit_orders_not_once',
      'zd_orders_applied_twice',
      'zd_orders_unacked',
    ]);
    const thresholds = thresholdsFor(
      { description: 't', thresholds: { zd_orders_unacked: ['count==0'], zd_http_5xx: ['count==0'] } },
      [],
      { audit: true, notChecked },
    );
    assert.deepEqual(Object.keys(thresholds), ['zd_http_5xx']);
  });
});

describe('thresholdsFor', () => {
  const profile: ThresholdProfile = {
    description: 'test',
    thresholds: {
      zd_http_5xx: ['count==0'],
      zd_reconnect_ms: ['p(99)<5000', 'max<10000'],
      zd_audit_null_values: ['count==0'],
      zd_audit_orders_not_once: ['count==0'],
    },
  };
  const guards: Guard[] = [
    { metric: 'zd_sessions_established', threshold: 'count>=2', title: 'logged in' },
    { metric: 'zd_audit_runs', threshold: 'count>=1', title: 'audit ran' },
  ];

  it('merges the profile’s limits with the guards', () => {
    assert.deepEqual(thresholdsFor(profile, guards, { audit: true }), {
      zd_http_5xx: ['count==0'],
      zd_reconnect_ms: ['p(99)<5000', 'max<10000'],
      zd_audit_null_values: ['count==0'],
      zd_audit_orders_not_once: ['count==0'],
      zd_sessions_established: ['count>=2'],
      zd_audit_runs: ['count>=1'],
    });
  });

  it('drops the audit invariants when the run has no audit', () => {
    const thresholds = thresholdsFor(profile, [guards[0] as Guard], { audit: false });
    assert.deepEqual(thresholds, {
      zd_http_5xx: ['count==0'],
      zd_reconnect_ms: ['p(99)<5000', 'max<10000'],
      zd_sessions_established: ['count>=2'],
    });
  });

  it('appends a guard to the limits already set on its metric', () => {
    const thresholds = thresholdsFor(profile, [{ metric: 'zd_http_5xx', threshold: 'count<5', title: 'x' }], {
      audit: true,
    });
    assert.deepEqual(thresholds.zd_http_5xx, ['count==0', 'count<5']);
  });

  it('does not share arrays with the profile', () => {
    const thresholds = thresholdsFor(profile, guards, { audit: true });
    thresholds.zd_http_5xx?.push('mutated');
    assert.deepEqual(profile.thresholds.zd_http_5xx, ['count==0']);
  });
});
