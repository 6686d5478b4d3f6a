/** k6-style durations: parsing into milliseconds (null when invalid) and formatting as whole seconds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSeconds, parseDuration } from '../../validator/settings/duration.ts';

describe('parseDuration', () => {
  it('reads each unit', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('20s'), 20_000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
  });

  it('adds up compound durations', () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1h1m1s1ms'), 3_661_001);
  });

  it('reads decimals and rounds to whole milliseconds', () => {
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('0.5m'), 30_000);
    assert.equal(parseDuration('0.4ms'), 0);
  });

  it('reads a bare number as seconds', () => {
    assert.equal(parseDuration('20'), 20_000);
    assert.equal(parseDuration('0'), 0);
  });

  it('ignores surrounding whitespace', () => {
    assert.equal(parseDuration('  2m '), 120_000);
  });

  it('tells ms from m', () => {
    assert.equal(parseDuration('5ms'), 5);
    assert.equal(parseDuration('5m'), 300_000);
  });

  for (const text of [
    '',
    '   ',
    's',
    '-1s',
    '1 s',
    '10mss',
    '30S',
    '1d',
    '1.5',
    'abc',
    '20s garbage',
    '1e3s',
  ]) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.equal(parseDuration(text), null);
    });
  }
});

describe('formatSeconds', () => {
  it('formats whole seconds', () => {
    assert.equal(formatSeconds(95_000), '95s');
    assert.equal(formatSeconds(0), '0s');
  });

  it('rounds up so a bound is never shorter than asked', () => {
    assert.equal(formatSeconds(1), '1s');
    assert.equal(formatSeconds(95_001), '96s');
  });
});
