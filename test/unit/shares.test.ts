/** Deterministic share membership of synthetic users. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inShare } from '../../validator/users/shares.ts';

function members(from: number, count: number, share: number, salt = 0): number[] {
  const vus: number[] = [];
  for (let vu = from; vu < from + count; vu++) if (inShare(vu, share, salt)) vus.push(vu);
  return vus;
}

describe('inShare', () => {
  it('takes exactly round(share·100) of any 100 consecutive VUs', () => {
    for (const share of [0.01, 0.05, 0.2, 0.29, 0.5, 0.07, 0.333, 0.99]) {
      for (const from of [1, 2, 37, 100, 1234]) {
        for (const salt of [0, 37, 71]) {
          assert.equal(
            members(from, 100, share, salt).length,
            Math.round(share * 100),
            `share ${share} from ${from} salt ${salt}`,
          );
        }
      }
    }
  });

  it('takes nobody at share 0 and everybody at share 1', () => {
    assert.deepEqual(members(1, 500, 0), []);
    assert.equal(members(1, 500, 1).length, 500);
    assert.deepEqual(members(1, 500, 0, 71), []);
    assert.equal(members(1, 500, 1, 71).length, 500);
  });

  it('rounds shares below a hundredth', () => {
    assert.equal(members(1, 100, 0.004).length, 0);
    assert.equal(members(1, 100, 0.006).length, 1);
  });

  it('spreads members across a small run instead of taking the first VUs', () => {
    const five = members(1, 10, 0.5);
    assert.ok(five.length >= 3 && five.length <= 7, `members of VUs 1-10: ${five}`);
    assert.notDeepEqual(five, [1, 2, 3, 4, 5]);
  });

  it('is deterministic', () => {
    assert.deepEqual(members(1, 300, 0.2), members(1, 300, 0.2));
  });

  it('picks different members with different salts', () => {
    assert.notDeepEqual(members(1, 100, 0.05, 0), members(1, 100, 0.05, 37));
    assert.notDeepEqual(members(1, 100, 0.05, 37), members(1, 100, 0.05, 71));
  });

  it('a larger share contains the smaller one (same salt)', () => {
    const small = members(1, 200, 0.1);
    const large = new Set(members(1, 200, 0.3));
    assert.ok(small.every((vu) => large.has(vu)));
  });
});
