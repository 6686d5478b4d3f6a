/** Idempotency keys of login and logout. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idempotencyKey } from '../../validator/users/idempotency.ts';

describe('idempotencyKey', () => {
  it('is a quoted UUID v4 (a Structured Fields string)', () => {
    for (let i = 0; i < 200; i++)
      assert.match(
        idempotencyKey(),
        /^"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"$/,
      );
  });

  it('covers the whole range of the random source', () => {
    assert.equal(
      idempotencyKey(() => 0),
      '"00000000-0000-4000-8000-000000000000"',
    );
    assert.equal(
      idempotencyKey(() => 0.999999),
      '"ffffffff-ffff-4fff-bfff-ffffffffffff"',
    );
  });

  it('differs from request to request', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => idempotencyKey()));
    assert.equal(keys.size, 1000);
  });
});
