/** The session lifetime audit: remaining TTL against the declared idle timeout since last activity. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import { ProfileError, parseProfile, type TargetProfile } from '../../validator/profile/profile.ts';
import { notCheckedBy } from '../../validator/verdict/invariants.ts';
import {
  describeShort,
  expectedRemainingMs,
  idleTimeoutMs,
  judgeLifetime,
  lifetimeToleranceMs,
} from '../../validator/verdict/lifetime.ts';

const minute = 60_000;

describe('judgeLifetime', () => {
  const idle = 30 * minute;

  it('passes a sliding session: its TTL restarted at its last activity', () => {
    assert.equal(judgeLifetime(idle - 8000, idle, 8000), 'ok');
    assert.equal(judgeLifetime(idle, idle, 0), 'ok');
  });

  it('tolerates the round trip and TTLs rounded to seconds', () => {
    assert.equal(lifetimeToleranceMs(idle), 36_000);
    assert.equal(lifetimeToleranceMs(minute), 5000);
    assert.equal(judgeLifetime(idle - 8000 - 30_000, idle, 8000), 'ok');
    assert.equal(judgeLifetime(idle - 8000 - 40_000, idle, 8000), 'short');
  });

  it('fails a short TTL that does not slide (20 s from login), whatever the run length', () => {
    // Login 15 s before the audit, last request 1 s before it: 5 s left.
    assert.equal(judgeLifetime(5000, idle, 1000), 'short');
    // A run of 5 s: still 15 s left, still far below 30 minutes.
    assert.equal(judgeLifetime(15_000, idle, 500), 'short');
  });

  it('fails a lifetime shorter than declared even when it slides', () => {
    assert.equal(judgeLifetime(10 * minute - 1000, idle, 1000), 'short');
  });

  it('leaves a missing key to the other audit and never fails a key without expiry', () => {
    assert.equal(judgeLifetime(-2, idle, 1000), 'gone');
    assert.equal(judgeLifetime(-1, idle, 1000), 'no-expiry');
  });

  it('expects nothing of a session idle for longer than its timeout', () => {
    assert.ok(expectedRemainingMs(idle, 40 * minute) < 0);
    assert.equal(judgeLifetime(0, idle, 40 * minute), 'ok');
  });

  it('describes a short session', () => {
    assert.equal(
      describeShort('zd-user-h3', 12_400, '30m', 8000),
      'session of zd-user-h3 expires in 12s; idle timeout 30m since its last activity 8s ago leaves ≥ 29m52s',
    );
  });
});

describe('redis.session.idleTimeout', () => {
  const json = (idleTimeout: unknown) => {
    const data = JSON.parse(JSON.stringify(referenceProfile));
    data.redis.session.idleTimeout = idleTimeout;
    return data;
  };

  it('is a duration of at least a second', () => {
    assert.equal(parseProfile(json('30m'), 'p.json').redis?.session?.idleTimeout, '30m');
    assert.equal(idleTimeoutMs('30m'), 30 * minute);
    assert.equal(idleTimeoutMs(undefined), null);
    for (const bad of ['soon', '0s', '500ms', ''])
      assert.throws(
        () => parseProfile(json(bad), 'p.json'),
        (e: unknown) =>
          e instanceof ProfileError &&
          /redis\.session\.idleTimeout: expected a duration of at least 1s like 30m or 1h/.test(e.message),
      );
    assert.throws(() => parseProfile(json(30), 'p.json'), /redis\.session\.idleTimeout: expected a string/);
  });

  it('is what zd_audit_session_ttl_short reads: not checked without it', () => {
    const session = referenceProfile.redis?.session;
    assert.ok(session);
    const without: TargetProfile = {
      ...referenceProfile,
      redis: { ...referenceProfile.redis, session: { ...session, idleTimeout: undefined } },
    };
    assert.deepEqual(
      notCheckedBy(without).map((n) => [n.metric, n.reason]),
      [['zd_audit_session_ttl_short', 'the profile lacks redis.session.idleTimeout']],
    );
    assert.ok(!notCheckedBy(referenceProfile).some((n) => n.metric === 'zd_audit_session_ttl_short'));
    const noStore: TargetProfile = { ...referenceProfile, redis: undefined };
    assert.equal(
      notCheckedBy(noStore).find((n) => n.metric === 'zd_audit_session_ttl_short')?.reason,
      'the profile lacks redis.session',
    );
  });
});
