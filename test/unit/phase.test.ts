/** Run phases from the run-control timeline. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  emptyTimeline,
  isOver,
  nextMarkAfter,
  parseTimeline,
  phaseAt,
  type Timeline,
} from '../../validator/run/phase.ts';

const timeline: Timeline = { rolloutStart: 10_000, rolloutEnd: 20_000, endAt: 35_000 };

describe('phaseAt', () => {
  it('is baseline before any rollout was triggered', () => {
    assert.equal(phaseAt(1_000_000, emptyTimeline), 'baseline');
  });

  it('is baseline before the rollout start, rollout from it, cooldown from its end', () => {
    assert.equal(phaseAt(9_999, timeline), 'baseline');
    assert.equal(phaseAt(10_000, timeline), 'rollout');
    assert.equal(phaseAt(19_999, timeline), 'rollout');
    assert.equal(phaseAt(20_000, timeline), 'cooldown');
    assert.equal(phaseAt(50_000, timeline), 'cooldown');
  });

  it('stays in rollout while the rollout has not ended', () => {
    assert.equal(phaseAt(1_000_000, { ...timeline, rolloutEnd: null }), 'rollout');
  });
});

describe('isOver', () => {
  it('is never over without an end', () => {
    assert.equal(isOver(Number.MAX_SAFE_INTEGER, emptyTimeline), false);
  });

  it('is over from endAt on', () => {
    assert.equal(isOver(34_999, timeline), false);
    assert.equal(isOver(35_000, timeline), true);
  });
});

describe('nextMarkAfter', () => {
  it('is the first mark after t, none when every mark lies behind or none is known', () => {
    assert.equal(nextMarkAfter(0, timeline), 10_000);
    assert.equal(nextMarkAfter(10_000, timeline), 20_000);
    assert.equal(nextMarkAfter(25_000, timeline), 35_000);
    assert.equal(nextMarkAfter(35_000, timeline), null);
    assert.equal(nextMarkAfter(0, emptyTimeline), null);
    assert.equal(nextMarkAfter(0, { rolloutStart: null, rolloutEnd: null, endAt: 7 }), 7);
  });

  it('bounds a stretch where phaseAt and isOver answer as they do at its start', () => {
    const timelines: Timeline[] = [
      timeline,
      emptyTimeline,
      { ...timeline, rolloutEnd: null, endAt: null },
      { rolloutStart: 10_000, rolloutEnd: 10_000, endAt: 10_000 },
      { rolloutStart: 30_000, rolloutEnd: 20_000, endAt: 5_000 },
    ];
    for (const marks of timelines)
      for (let t = 0; t < 40_000; t += 250) {
        const until = nextMarkAfter(t, marks) ?? 40_000;
        assert.ok(until > t);
        for (let u = t; u < until; u += 250) {
          assert.equal(phaseAt(u, marks), phaseAt(t, marks), `${JSON.stringify(marks)} ${t}→${u}`);
          assert.equal(isOver(u, marks), isOver(t, marks), `${JSON.stringify(marks)} ${t}→${u}`);
        }
      }
  });
});

describe('parseTimeline', () => {
  it('reads the marks from the control hash', () => {
    assert.deepEqual(parseTimeline({ rolloutStart: '10000', rolloutEnd: '20000', endAt: '35000' }), timeline);
  });

  it('leaves missing marks null', () => {
    assert.deepEqual(parseTimeline({}), emptyTimeline);
    assert.deepEqual(parseTimeline({ rolloutStart: '5' }), {
      rolloutStart: 5,
      rolloutEnd: null,
      endAt: null,
    });
  });

  it('ignores non-numeric marks and extra fields', () => {
    assert.deepEqual(
      parseTimeline({ rolloutStart: 'soon', rolloutEnd: 'Infinity', endAt: '7', rolloutFailure: 'stalled' }),
      { rolloutStart: null, rolloutEnd: null, endAt: 7 },
    );
  });
});
