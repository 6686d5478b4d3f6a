/** Users packed several to a VU: every user runs exactly once, VUs differ by at most one user. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usersOfVu, vusFor } from '../../validator/settings/packing.ts';

describe('vusFor', () => {
  it('rounds up so no user is left without a VU', () => {
    assert.equal(vusFor(300, 10), 30);
    assert.equal(vusFor(301, 10), 31);
    assert.equal(vusFor(5, 10), 1);
    assert.equal(vusFor(200, 1), 200);
    assert.equal(vusFor(0, 10), 0);
  });
});

describe('usersOfVu', () => {
  it('gives VU slot s the users s+1, s+1+vus, …', () => {
    assert.deepEqual(usersOfVu(0, 25, 10), [1, 4, 7, 10, 13, 16, 19, 22, 25]);
    assert.deepEqual(usersOfVu(2, 25, 10), [3, 6, 9, 12, 15, 18, 21, 24]);
    assert.deepEqual(usersOfVu(0, 3, 1), [1]);
    assert.deepEqual(usersOfVu(2, 3, 1), [3]);
  });

  for (const [users, perVu] of [
    [300, 10],
    [200, 10],
    [301, 10],
    [7, 3],
    [1, 10],
    [500, 1],
    [999, 37],
  ] as const) {
    it(`${users} users at ${perVu} per VU: each runs once, at most ${perVu} per VU, balanced`, () => {
      const vus = vusFor(users, perVu);
      const perSlot = Array.from({ length: vus }, (_, slot) => usersOfVu(slot, users, perVu));
      const all = perSlot.flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: users }, (_, i) => i + 1),
      );
      const sizes = perSlot.map((u) => u.length);
      assert.ok(Math.max(...sizes) <= perVu, `sizes ${sizes}`);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
    });
  }
});
