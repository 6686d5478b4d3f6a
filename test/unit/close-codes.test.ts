/** WebSocket close classification and reconnect backoff. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referenceProfile } from '../../validator/profile/builtin/reference.ts';
import { backoffMs, classifyClose } from '../../validator/users/close-codes.ts';

const policy = referenceProfile.websocket ?? assert.fail('the reference profile has a websocket section');

describe('classifyClose', () => {
  it('a close by the client is the client’s, whatever the code', () => {
    assert.equal(classifyClose(1000, true, policy), 'client');
    assert.equal(classifyClose(1006, true, policy), 'client');
    assert.equal(classifyClose(undefined, true, policy), 'client');
  });

  it('going away, normal and service restart are clean', () => {
    for (const code of [1000, 1001, 1012])
      assert.equal(classifyClose(code, false, policy), 'clean', `code ${code}`);
  });

  it('the unauthorized code means the session was rejected', () => {
    assert.equal(classifyClose(4401, false, policy), 'unauthorized');
  });

  it('no close frame, internal errors and unknown codes are abnormal', () => {
    for (const code of [undefined, 1006, 1011, 1002, 4400, 4000]) {
      assert.equal(classifyClose(code, false, policy), 'abnormal', `code ${code}`);
    }
  });

  it('unauthorized wins when a code is listed as both', () => {
    const both = { cleanCloseCodes: [4401], unauthorizedCloseCodes: [4401] };
    assert.equal(classifyClose(4401, false, both), 'unauthorized');
  });

  it('follows the policy it is given', () => {
    const custom = { cleanCloseCodes: [4000], unauthorizedCloseCodes: [4003] };
    assert.equal(classifyClose(4000, false, custom), 'clean');
    assert.equal(classifyClose(4003, false, custom), 'unauthorized');
    assert.equal(classifyClose(1001, false, custom), 'abnormal');
  });
});

describe('backoffMs', () => {
  it('jitters within [ceiling/2, ceiling] with the default base and cap', () => {
    assert.equal(backoffMs(1, 0), 50);
    assert.equal(backoffMs(1, 0.999999), 100);
    assert.equal(backoffMs(2, 0), 100);
    assert.equal(backoffMs(3, 0.5), 300);
  });

  it('doubles the ceiling per attempt until the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffMs(attempt, 0.999999));
    assert.deepEqual(ceilings, [100, 200, 400, 800, 1600, 3000, 3000]);
  });

  it('stays within bounds for every attempt and random draw', () => {
    for (let attempt = 0; attempt <= 60; attempt++) {
      for (const random of [0, 0.25, 0.5, 0.75, 0.999999]) {
        const ms = backoffMs(attempt, random);
        const ceiling = Math.min(3000, 100 * 2 ** Math.max(0, attempt - 1));
        assert.ok(ms >= ceiling / 2 && ms <= ceiling, `attempt ${attempt}, random ${random}: ${ms}`);
      }
    }
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    assert.equal(backoffMs(10_000, 0.999999), 3000);
    assert.equal(backoffMs(10_000, 0), 1500);
  });

  it('treats attempt 0 like attempt 1', () => {
    assert.equal(backoffMs(0, 0), backoffMs(1, 0));
    assert.equal(backoffMs(0, 0), 50);
  });

  it('honours a custom base and cap', () => {
    assert.equal(backoffMs(1, 0, 1000, 5000), 500);
    assert.equal(backoffMs(4, 0.999999, 1000, 5000), 5000);
  });
});
