/** Run ids: one shape everywhere, valid as a RUN_ID setting, unique within a second. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRunId } from '../../validator/run/run-id.ts';

describe('newRunId', () => {
  it('is <prefix>-<UTC stamp>-<4 chars>, valid as RUN_ID', () => {
    const id = newRunId('e2e-rolling', new Date('2026-11-29T23:05:09.123Z'));
    assert.match(id, /^e2e-rolling-20261129-230509-[0-9a-z]{4}$/);
    assert.match(newRunId(), /^\d{8}-\d{6}-[0-9a-z]{4}$/);
  });

  it('differs between runs started in the same second', () => {
    const now = new Date();
    const ids = new Set(Array.from({ length: 50 }, () => newRunId('x', now)));
    assert.ok(ids.size >= 49, `${ids.size} distinct of 50`);
  });
});
