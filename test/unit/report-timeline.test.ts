/** The timeline's data: per-VU recording, merging the VUs' blobs, and shaping into lanes and columns. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePods } from '../../validator/rollout/pod-events.ts';
import { latencyBucket, PerSecond, type SecondRecord } from '../../validator/run/per-second.ts';
import {
  latencyPerRollout,
  maxColumns,
  p99,
  parseRollouts,
  parseSeconds,
  shapeTimeline,
  type TimelineModel,
} from '../../validator/verdict/report/timeline-data.ts';
import { podsHash, rollingRestart, t0 } from './timeline-fixtures.ts';

const ms = (s: number) => (t0 + s) * 1000;

describe('latencyBucket', () => {
  it('puts a latency in the bucket whose upper bound is at most 9 % above it', () => {
    for (const latency of [0.07, 0.5, 1, 1.5, 5, 20, 99.9, 300, 4321, 60_000]) {
      const b = latencyBucket(latency);
      const upper = 2 ** (b / 8);
      const lower = 2 ** ((b - 1) / 8);
      assert.ok(lower < latency && latency <= upper * (1 + 1e-12), `${latency} ms in (${lower}, ${upper}]`);
      assert.ok(upper / latency < 1.0906, `${latency} ms: bound ${upper} within 9 %`);
    }
  });

  it('keeps zero, negative and absurd latencies in the end buckets', () => {
    assert.equal(latencyBucket(0), -32);
    assert.equal(latencyBucket(-5), -32);
    assert.equal(latencyBucket(Number.NaN), -32);
    assert.equal(latencyBucket(1e-9), -32);
    assert.equal(latencyBucket(1e30), 200);
  });
});

describe('PerSecond', () => {
  it('counts by second, activity, pod and color, and forgets what it handed over', () => {
    const rec = new PerSecond();
    assert.equal(rec.take(), '');
    rec.count(ms(0) + 10, 'http', 'pod-a', 'blue');
    rec.count(ms(0) + 999, 'http', 'pod-a', 'blue');
    rec.count(ms(1), 'open', 'pod-b', 'green');
    rec.latency(ms(1), 'feed', 20);
    assert.deepEqual(JSON.parse(rec.take()), [
      [t0, { 'http|pod-a|blue': 2 }, {}],
      [t0 + 1, { 'open|pod-b|green': 1 }, { feed: { 35: 1 } }],
    ]);
    assert.equal(rec.take(), '');
  });
});

describe('PerSecond.countSeconds', () => {
  it('adds seconds counted elsewhere as the same messages counted one by one', () => {
    const one = new PerSecond();
    const counted = new PerSecond();
    const latencies = [
      [0, 12],
      [0, 11],
      [1, 10],
      [1, 0.2],
    ] as const;
    for (const [s, latency] of latencies) {
      one.count(ms(s) + 5, 'feed', 'pod-a', 'blue');
      one.latency(ms(s) + 5, 'feed', latency);
    }
    for (const pod of ['pod-b', 'pod-c']) {
      one.count(ms(1), 'http', pod, 'green');
      one.latency(ms(1), 'http', 3);
    }
    one.count(ms(1), 'open', 'pod-a', 'blue');
    counted.count(ms(1), 'open', 'pod-a', 'blue');
    const b = latencyBucket;
    counted.countSeconds('feed', [
      [
        t0,
        [['pod-a', 'blue', 2]],
        [
          [b(11), 1],
          [b(12), 1],
        ],
      ],
      [
        t0 + 1,
        [['pod-a', 'blue', 2]],
        [
          [b(0.2), 1],
          [b(10), 1],
        ],
      ],
    ]);
    counted.countSeconds('http', [
      [
        t0 + 1,
        [
          ['pod-b', 'green', 1],
          ['pod-c', 'green', 1],
        ],
        [[b(3), 2]],
      ],
    ]);
    const decoded = (rec: PerSecond) => parseSeconds({ 'w.1': rec.take() });
    assert.deepEqual(decoded(counted), decoded(one));
  });
});

describe('parseSeconds', () => {
  it('sums the same second across VUs and flushes', () => {
    const a = new PerSecond();
    const b = new PerSecond();
    a.count(ms(5), 'http', 'pod-a', 'x');
    a.latency(ms(5), 'http', 5);
    const first = a.take();
    a.count(ms(5) + 900, 'http', 'pod-a', 'x');
    b.count(ms(5), 'http', 'pod-a', 'x');
    b.count(ms(6), 'feed', 'pod-b', 'x');
    b.latency(ms(5), 'http', 5);
    assert.deepEqual(parseSeconds({ 'w1.1': first, 'w1.2': a.take(), 'w2.1': b.take() }), [
      [t0 + 5, { 'http|pod-a|x': 3 }, { http: { 19: 2 } }],
      [t0 + 6, { 'feed|pod-b|x': 1 }, {}],
    ]);
  });

  it('skips a malformed blob instead of failing the report', () => {
    const rec = new PerSecond();
    rec.count(ms(1), 'http', 'p', 'c');
    const parsed = parseSeconds({ bad: '{not json', odd: '{"a":1}', wrong: '[["x"]]', good: rec.take() });
    assert.deepEqual(parsed, [[t0 + 1, { 'http|p|c': 1 }, {}]]);
  });
});

describe('p99', () => {
  it('is the upper bound of the bucket holding the 99th percentile', () => {
    const h = (pairs: [number, number][]) => Object.fromEntries(pairs.map(([l, n]) => [latencyBucket(l), n]));
    assert.equal(
      p99(
        h([
          [10, 99],
          [1000, 1],
        ]),
      ),
      10.4,
    );
    assert.equal(
      p99(
        h([
          [10, 98],
          [1000, 2],
        ]),
      ),
      1020,
    );
    assert.equal(p99(h([[300, 1]])), 304);
    assert.equal(p99({}), null);
    assert.equal(p99(undefined), null);
  });
});

describe('latencyPerRollout', () => {
  it('merges the latency of the seconds inside each rollout window, so the last can be set beside the first', () => {
    const h = (latency: number, n: number) => ({ [latencyBucket(latency)]: n });
    const seconds: SecondRecord[] = [
      [t0, {}, { feed: h(5, 100) }],
      [t0 + 1, {}, { feed: h(10, 100), http: h(20, 10) }],
      [t0 + 2, {}, { feed: h(1000, 1) }],
      [t0 + 5, {}, { feed: h(40, 100) }],
      [t0 + 6, {}, { http: h(300, 1) }],
    ];
    const [first, last] = latencyPerRollout(seconds, [
      { index: 1, start: ms(1), end: ms(2) },
      { index: 2, start: ms(5), end: null },
    ]);
    assert.deepEqual(first, { index: 1, start: ms(1), end: ms(2), httpP99Ms: 20.7, feedP99Ms: 10.4 });
    assert.deepEqual(last, { index: 2, start: ms(5), end: null, httpP99Ms: 304, feedP99Ms: 41.5 });
  });

  it('has no latency for a window no second falls in', () => {
    const [only] = latencyPerRollout(
      [[t0, {}, { feed: { 1: 1 } }]],
      [{ index: 1, start: ms(9), end: ms(10) }],
    );
    assert.equal(only?.feedP99Ms, null);
    assert.equal(only?.httpP99Ms, null);
  });
});

describe('parsePods and parseRollouts', () => {
  it('reads each pod’s events and each rollout’s window', () => {
    const pods = parsePods({ ...podsHash, 'no-event': '1', 'pod-x|ready': 'soon' });
    assert.deepEqual(pods['pod-b'], { ready: ms(-60), unready: ms(24.5), terminating: ms(25), gone: ms(29) });
    assert.deepEqual(Object.keys(pods).sort(), ['pod-a', 'pod-b', 'pod-c', 'pod-d']);
    assert.deepEqual(parsePods({ 'a|b|ready': '5' }), { 'a|b': { ready: 5 } }, 'a pod name may hold a bar');
    assert.deepEqual(
      parseRollouts({
        rolloutStart: '1',
        'rollout:2:start': '300',
        'rollout:1:start': '100',
        'rollout:1:end': '200',
        'rollout:3:start': 'x',
      }),
      [
        { index: 1, start: 100, end: 200 },
        { index: 2, start: 300, end: null },
      ],
    );
  });
});

describe('shapeTimeline of a rolling restart', () => {
  const m = shapeTimeline(rollingRestart()) as TimelineModel;

  it('spans the recorded seconds one column each', () => {
    assert.equal(m.start, t0);
    assert.equal(m.step, 1);
    assert.equal(m.columns, 60);
    assert.deepEqual(m.rollouts, [{ index: 1, from: 10, to: 40 }]);
  });

  it('has one lane per pod, in the order they came, the unattributed last', () => {
    assert.deepEqual(
      m.pods.map((l) => l.pod),
      ['pod-a', 'pod-b', 'pod-c', 'pod-d', 'unknown'],
    );
  });

  it('gives each lane its states from the pod events, clamped to the chart', () => {
    const spans = Object.fromEntries(m.pods.map((l) => [l.pod, l.spans]));
    assert.deepEqual(spans['pod-a'], [
      { state: 'ready', from: 0, to: 15 },
      { state: 'terminating', from: 15, to: 18 },
    ]);
    assert.deepEqual(spans['pod-b'], [
      { state: 'ready', from: 0, to: 24.5 },
      { state: 'unready', from: 24.5, to: 25 },
      { state: 'terminating', from: 25, to: 29 },
    ]);
    assert.deepEqual(spans['pod-c'], [
      { state: 'starting', from: 12, to: 14 },
      { state: 'ready', from: 14, to: 60 },
    ]);
    assert.deepEqual(spans.unknown, []);
    assert.equal(m.pods[0]?.events.ready, -60, 'events keep their real offset');
  });

  it('counts requests served and WebSocket sessions open per pod per second', () => {
    const lane = (pod: string) => m.pods.find((l) => l.pod === pod);
    const sum = (xs: number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0);
    assert.equal(sum(lane('pod-a')?.requests), 150);
    assert.equal(lane('pod-a')?.requests[14], 10);
    assert.equal(lane('pod-a')?.requests[15], 0);
    assert.equal(sum(lane('pod-c')?.requests), 460);
    assert.deepEqual(lane('pod-a')?.sockets.slice(13, 17), [4, 4, 0, 0]);
    assert.deepEqual(lane('pod-c')?.sockets.slice(13, 17), [0, 0, 4, 4]);
    assert.equal(lane('pod-c')?.sockets[59], 0, 'closed at the end');
    assert.equal(sum(lane('pod-d')?.messages), 35 * 4);
    assert.deepEqual(lane('pod-a')?.colors, ['default']);
  });

  it('counts WebSocket sessions open and reconnects over time', () => {
    assert.ok(m.sockets);
    assert.deepEqual(m.sockets.open.slice(0, 59), new Array(59).fill(8));
    assert.equal(m.sockets.open[59], 0);
    assert.equal(m.sockets.reconnects[15], 4);
    assert.equal(m.sockets.reconnects[25], 4);
    assert.equal(
      m.sockets.reconnects.reduce((a, b) => a + b, 0),
      8,
    );
  });

  it('takes the p99 per second of HTTP and feed latency', () => {
    assert.equal(m.latency.http[0], 5.19);
    assert.equal(m.latency.http[25], 304);
    assert.equal(m.latency.http[26], 304);
    assert.equal(m.latency.http[27], 5.19);
    assert.equal(m.latency.feed[30], 20.7);
  });

  it('counts served traffic per color', () => {
    assert.deepEqual(
      m.colors.map((c) => c.color),
      ['default'],
    );
    assert.equal(m.colors[0]?.served[0], 28, '20 requests and 8 feed messages');
  });

  it('puts failures per second by invariant and on the lane of the pod that failed', () => {
    assert.deepEqual(
      m.failures.map((f) => [
        f.invariant,
        f.counts.findIndex((n) => n > 0),
        f.counts.reduce((a, b) => a + b, 0),
      ]),
      [
        ['zd_auth_lost', 40, 1],
        ['zd_http_conn_errors', 25, 3],
        ['zd_ws_abnormal_closes', 26, 1],
      ],
    );
    const podB = m.pods.find((l) => l.pod === 'pod-b');
    assert.equal(podB?.failures[25], 3);
    assert.equal(podB?.failures[26], 1);
    assert.equal(podB?.failed, 4);
    assert.equal(m.pods.find((l) => l.pod === 'unknown')?.failures[40], 1);
    assert.equal(m.pods.find((l) => l.pod === 'pod-a')?.failed, 0);
  });
});

describe('shapeTimeline edge cases', () => {
  it('is null when nothing was recorded', () => {
    assert.equal(shapeTimeline({ seconds: [], failures: [] }), null);
  });

  it(`puts several seconds in a column past ${maxColumns} seconds, merging their histograms`, () => {
    const rec = new PerSecond();
    for (let s = 0; s < 1300; s++) {
      rec.count(ms(s), 'http', 'p', 'c');
      rec.latency(ms(s), 'http', s === 601 ? 1000 : 10);
    }
    const m = shapeTimeline({ seconds: parseSeconds({ a: rec.take() }), failures: [] }) as TimelineModel;
    assert.equal(m.step, 3);
    assert.equal(m.columns, 434);
    assert.ok(m.columns <= maxColumns);
    assert.equal(m.pods[0]?.requests[0], 3);
    assert.equal(
      m.pods[0]?.requests.reduce((a, b) => a + b, 0),
      1300,
    );
    assert.equal(m.latency.http[200], 1020, 'column 200 holds seconds 600-602 and their slowest');
    assert.equal(m.latency.http[199], 10.4);
  });

  it('shows a pod known only by its traffic as seen from its first to its last second', () => {
    const rec = new PerSecond();
    for (let s = 3; s <= 7; s++) rec.count(ms(s), 'http', 'pod-x', 'c');
    rec.count(ms(0), 'http', 'pod-y', 'c');
    rec.count(ms(10), 'http', 'pod-y', 'c');
    const m = shapeTimeline({ seconds: parseSeconds({ a: rec.take() }), failures: [] }) as TimelineModel;
    assert.deepEqual(m.pods.find((l) => l.pod === 'pod-x')?.spans, [{ state: 'seen', from: 3, to: 8 }]);
    assert.equal(m.sockets, null, 'no WebSocket activity');
  });

  it('reads failure keys without a pod (older runs) and the run-wide rollout window', () => {
    const m = shapeTimeline({
      seconds: [],
      failures: [
        { second: t0, key: 'zd_http_5xx|blue', count: 2 },
        { second: t0 + 9, key: 'zd_http_5xx|blue', count: 1 },
      ],
      rolloutStart: ms(2),
      rolloutEnd: null,
    }) as TimelineModel;
    assert.deepEqual(m.failures, [{ invariant: 'zd_http_5xx', counts: [2, 0, 0, 0, 0, 0, 0, 0, 0, 1] }]);
    assert.deepEqual(m.pods, []);
    assert.deepEqual(m.rollouts, [{ index: 0, from: 2, to: 10 }]);
  });
});
