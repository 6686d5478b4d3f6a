import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lagSamples } from '../../validator/run/lag-ticks.ts';

describe('lag samples of a late tick', () => {
  it('records a tick on time, or late by less than a tick, once', () => {
    assert.deepEqual(lagSamples(0, 250), [0]);
    assert.deepEqual(lagSamples(-3, 250), [0]);
    assert.deepEqual(lagSamples(180, 250), [180]);
  });

  it('stands in for the ticks a stall starved, each that much less late', () => {
    assert.deepEqual(lagSamples(1000, 250), [1000, 750, 500, 250]);
    assert.deepEqual(lagSamples(600, 250), [600, 350, 100]);
  });

  it('makes a long stall count in the p99 as it lasted', () => {
    // 20 s on time (80 ticks), then one tick 40 s late.
    const samples = [...Array.from({ length: 80 }, () => 0), ...lagSamples(40_000, 250)];
    const sorted = [...samples].sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1] as number;
    assert.ok(p99 > 5000, `p99 ${p99}`);
  });

  it('is bounded for any stall', () => {
    assert.equal(lagSamples(3_600_000, 250).length, 240);
  });
});
