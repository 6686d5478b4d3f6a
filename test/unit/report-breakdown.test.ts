/** Failure breakdowns and per-second series from the run's control hashes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBreakdown, parseSeries } from '../../validator/verdict/report/breakdown.ts';

describe('parseBreakdown', () => {
  it('splits invariant, phase, pod, color and cause, largest count first', () => {
    const rows = parseBreakdown({
      'zd_http_5xx|rollout|app-1|blue|GET /me: status 502': '3',
      'zd_auth_lost|rollout|app-2|green|close 4401': '7',
      'zd_msgs_lost|cooldown|app-2|green|': '1',
    });
    assert.deepEqual(rows, [
      {
        invariant: 'zd_auth_lost',
        phase: 'rollout',
        pod: 'app-2',
        color: 'green',
        detail: 'close 4401',
        count: 7,
      },
      {
        invariant: 'zd_http_5xx',
        phase: 'rollout',
        pod: 'app-1',
        color: 'blue',
        detail: 'GET /me: status 502',
        count: 3,
      },
      { invariant: 'zd_msgs_lost', phase: 'cooldown', pod: 'app-2', color: 'green', detail: '', count: 1 },
    ]);
  });

  it('orders equal counts by invariant', () => {
    const rows = parseBreakdown({
      'zd_b|rollout|p|c': '2',
      'zd_a|baseline|p|c': '2',
      'zd_c|rollout|p|c': '2',
    });
    assert.deepEqual(
      rows.map((r) => r.invariant),
      ['zd_a', 'zd_b', 'zd_c'],
    );
  });

  it('fills missing parts with empty strings', () => {
    assert.deepEqual(parseBreakdown({ 'zd_http_5xx|baseline': '1' }), [
      { invariant: 'zd_http_5xx', phase: 'baseline', pod: '', color: '', detail: '', count: 1 },
    ]);
  });

  it('is empty for an empty hash', () => {
    assert.deepEqual(parseBreakdown({}), []);
  });
});

describe('parseSeries', () => {
  it('splits the second from the key, in time order', () => {
    assert.deepEqual(
      parseSeries({ '1700000002|blue': '5', '1700000001|green': '4', '1700000001|blue': '6' }),
      [
        { second: 1_700_000_001, key: 'green', count: 4 },
        { second: 1_700_000_001, key: 'blue', count: 6 },
        { second: 1_700_000_002, key: 'blue', count: 5 },
      ],
    );
  });

  it('keeps a key with separators whole', () => {
    assert.deepEqual(parseSeries({ '1700000001|zd_auth_lost|blue': '2' }), [
      { second: 1_700_000_001, key: 'zd_auth_lost|blue', count: 2 },
    ]);
  });

  it('has an empty key when the field has none', () => {
    assert.deepEqual(parseSeries({ '5': '1' }), [{ second: 5, key: '', count: 1 }]);
  });
});
