/**
 * Readiness on drain, the pure part: the per-pod state machine, the verdict per replaced pod, the actor's
 * reports, EndpointSlices and pod events as the Kubernetes watch hands them over.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeReadiness } from '../../validator/readiness/judge.ts';
import {
  applyPodEvent,
  labelSelector,
  ServiceEndpoints,
  sliceEndpoints,
} from '../../validator/readiness/kube-events.ts';
import { parsePodReports } from '../../validator/readiness/pod-reports.ts';
import { probeResult, ReadinessTracker } from '../../validator/readiness/tracker.ts';
import { mergeTraffic, noTraffic, type PodTraffic, parseScores } from '../../validator/readiness/traffic.ts';

const rules = { boundMs: 15_000, graceMs: 2000 };
const t0 = 1_700_000_000_000;

/** A pod seen ready, deleted at t0, then the given looks (ms after t0). */
function drained(looks: [number, 'ready' | 'unready' | 'refused'][], exitAfter: number | null = null) {
  const tracker = new ReadinessTracker();
  tracker.probe('pod-1', 'ready', t0 - 5000);
  tracker.deleting('pod-1', t0);
  for (const [ms, result] of looks) tracker.probe('pod-1', result, t0 + ms);
  if (exitAfter !== null) tracker.exited('pod-1', t0 + exitAfter);
  return tracker;
}

function judge(
  tracker: ReadinessTracker,
  traffic: Record<string, Partial<PodTraffic>> = {},
  endedAfter = 60_000,
) {
  const seen = new Map(Object.entries(traffic).map(([pod, t]) => [pod, { ...noTraffic, ...t }]));
  return judgeReadiness(tracker.all(), seen, rules, t0 + endedAfter);
}

describe('probeResult', () => {
  it('reads a status as a Kubernetes httpGet probe does', () => {
    assert.equal(probeResult(200), 'ready');
    assert.equal(probeResult(302), 'ready');
    assert.equal(probeResult(399), 'ready');
    assert.equal(probeResult(503), 'unready');
    assert.equal(probeResult(404), 'unready');
    assert.equal(probeResult(0), 'refused');
  });
});

describe('ReadinessTracker', () => {
  it('keeps the start of the last not-ready stretch: a ready answer clears an earlier one', () => {
    const tracker = new ReadinessTracker();
    tracker.probe('p', 'ready', 1);
    tracker.probe('p', 'unready', 2); // a Redis blip
    tracker.probe('p', 'unready', 3);
    tracker.probe('p', 'ready', 4);
    tracker.probe('p', 'unready', 10);
    tracker.probe('p', 'unready', 11);
    assert.equal(tracker.all()[0]?.unready, 10);
  });

  it('takes a refusal as the end of accepting connections only after the pod was ready, and keeps it', () => {
    const tracker = new ReadinessTracker();
    tracker.probe('p', 'refused', 1); // still starting
    assert.equal(tracker.all()[0]?.refused, null);
    assert.equal(tracker.following('p'), true);
    tracker.probe('p', 'ready', 2);
    tracker.probe('p', 'refused', 5);
    tracker.probe('p', 'ready', 6);
    tracker.probe('p', 'refused', 7);
    assert.equal(tracker.all()[0]?.refused, 5);
    assert.equal(tracker.all()[0]?.unready, null, 'nothing after the refusal counts');
    assert.equal(tracker.following('p'), false);
  });

  it('keeps the earliest deletion and exit reports', () => {
    const tracker = new ReadinessTracker();
    tracker.deleting('p', 20);
    tracker.deleting('p', 10);
    tracker.exited('p', 50);
    tracker.exited('p', 40);
    const [p] = tracker.all();
    assert.equal(p?.deletionStart, 10);
    assert.equal(p?.exit, 40);
    assert.equal(tracker.isDeleting('p'), true);
    assert.equal(tracker.following('p'), false);
  });
});

describe('judgeReadiness', () => {
  it('passes a pod that reports not ready at once and keeps serving through its drain', () => {
    const tracker = drained(
      [
        [400, 'ready'],
        [600, 'unready'],
        [2500, 'unready'],
        [2700, 'refused'],
      ],
      2900,
    );
    const [v] = judge(tracker, { 'pod-1': { lastServed: t0 + 2600, lastNewConnection: t0 - 100 } });
    assert.equal(v?.onDrain, null);
    assert.equal(v?.servedAfterUnready, null);
    assert.equal(v?.notJudged, null);
    assert.equal(v?.unready, t0 + 600);
    assert.equal(v?.connectionsClosed, t0 + 2700);
    assert.equal(v?.closedBy, 'refused');
    assert.equal(v?.exit, t0 + 2900);
    assert.equal(v?.lastServed, t0 + 2600);
  });

  it('fails a pod whose readiness answered ready until it stopped accepting connections', () => {
    const tracker = drained(
      [
        [600, 'ready'],
        [2500, 'ready'],
        [2700, 'refused'],
      ],
      2900,
    );
    const [v] = judge(tracker);
    assert.equal(
      v?.onDrain,
      'readiness answered ready until it stopped accepting connections, 2.7 s after its deletion started',
    );
  });

  it('fails a pod that reports not ready only after it closed its connections (EndpointSlices, no probe of its own)', () => {
    const tracker = drained([[10_300, 'unready']], 10_400);
    const [v] = judge(tracker, { 'pod-1': { firstClose: t0 + 10_000 } });
    assert.equal(v?.closedBy, 'closed sockets');
    assert.equal(
      v?.onDrain,
      'reported not ready only after it closed its connections (not ready 10.3 s, closed its connections 10.0 s after its deletion started)',
    );
  });

  it('fails a pod that exited while still ready, and one reported not ready only after its exit', () => {
    assert.match(judge(drained([], 3000))[0]?.onDrain ?? '', /answered ready until it exited, 3\.0 s/);
    assert.match(
      judge(drained([[3100, 'unready']], 3000))[0]?.onDrain ?? '',
      /not ready only after it exited \(not ready 3\.1 s, exited 3\.0 s/,
    );
  });

  it('fails a pod reported not ready later than READINESS_BOUND after its deletion started', () => {
    const [v] = judge(drained([[16_000, 'unready']], 30_000));
    assert.equal(v?.onDrain, 'reported not ready 16.0 s after its deletion started (READINESS_BOUND 15.0 s)');
    assert.equal(judge(drained([[14_000, 'unready']], 30_000))[0]?.onDrain, null);
  });

  it('fails a pod still ready at the end past the bound; within it, it is not judged', () => {
    assert.match(
      judge(drained([[1000, 'ready']]), {}, 20_000)[0]?.onDrain ?? '',
      /still ready when the run ended, 20\.0 s after its deletion started/,
    );
    const [early] = judge(drained([[1000, 'ready']]), {}, 5000);
    assert.equal(early?.onDrain, null);
    assert.match(early?.notJudged ?? '', /the run ended 5\.0 s after its deletion started/);
  });

  it('fails a pod that accepted a new connection later than READINESS_GRACE after it reported not ready', () => {
    const tracker = drained([[500, 'unready']], 9000);
    const [late] = judge(tracker, { 'pod-1': { lastNewConnection: t0 + 3000, lastServed: t0 + 8000 } });
    assert.equal(
      late?.servedAfterUnready,
      'accepted a new connection 2.5 s after it reported not ready (READINESS_GRACE 2.0 s)',
    );
    assert.equal(late?.onDrain, null);
    const [inGrace] = judge(tracker, { 'pod-1': { lastNewConnection: t0 + 2400 } });
    assert.equal(inGrace?.servedAfterUnready, null);
  });

  it('ignores sockets a pod closed before its deletion started', () => {
    const tracker = drained([[500, 'unready']], 4000);
    const [v] = judge(tracker, { 'pod-1': { firstClose: t0 - 1000 } });
    assert.equal(v?.connectionsClosed, null);
    assert.equal(v?.onDrain, null);
  });

  it('judges only deleted pods, and not one never seen ready', () => {
    const tracker = new ReadinessTracker();
    tracker.probe('kept', 'ready', t0);
    tracker.deleting('blind', t0);
    tracker.exited('blind', t0 + 100);
    const verdicts = judge(tracker);
    assert.deepEqual(
      verdicts.map((v) => [v.pod, v.notJudged]),
      [['blind', 'never seen ready: its readiness was not followed']],
    );
    assert.equal(verdicts[0]?.onDrain, null);
  });
});

describe('mergeTraffic', () => {
  it('keeps the later last times and the earlier first close', () => {
    assert.deepEqual(
      mergeTraffic(
        { lastServed: 5, lastNewConnection: null, firstClose: 9 },
        { lastServed: 3, lastNewConnection: 4, firstClose: 7 },
      ),
      { lastServed: 5, lastNewConnection: 4, firstClose: 7 },
    );
  });
});

describe('parsePodReports', () => {
  it('reads the actor hash: url, deletion start (terminating) and exit (gone) per pod; other fields are ignored', () => {
    const reports = parsePodReports({
      'pod-1|created': '500',
      'pod-1|ready': '600',
      'pod-1|url': 'http://127.0.0.1:4001/',
      'pod-1|terminating': '1000',
      'pod-1|gone': '3000',
      'pod-2|url': 'http://127.0.0.1:4002',
      'a|b|url': 'http://127.0.0.1:4003',
      'pod-3|terminating': 'soon',
      'pod-3|url': 'not a url',
      stray: 'x',
    });
    const byPod = Object.fromEntries(reports.map((r) => [r.pod, r]));
    assert.deepEqual(byPod, {
      'pod-1': { pod: 'pod-1', url: 'http://127.0.0.1:4001', deletionStart: 1000, exit: 3000 },
      'pod-2': { pod: 'pod-2', url: 'http://127.0.0.1:4002', deletionStart: null, exit: null },
      'a|b': { pod: 'a|b', url: 'http://127.0.0.1:4003', deletionStart: null, exit: null },
    });
  });
});

describe('parseScores', () => {
  it('reads a flat (RESP2) and a paired (RESP3) WITHSCORES reply', () => {
    assert.deepEqual(
      [...parseScores(['pod-1', '1000', 'pod-2', '2000'])],
      [
        ['pod-1', 1000],
        ['pod-2', 2000],
      ],
    );
    assert.deepEqual([...parseScores([['pod-1', 1000]])], [['pod-1', 1000]]);
    assert.deepEqual([...parseScores(null)], []);
  });
});

/** An EndpointSlice as discovery.k8s.io/v1 serves it. */
function slice(name: string, endpoints: [pod: string, c: Record<string, boolean | undefined>][]) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: endpoints.map(([pod, conditions], i) => ({
      addresses: [`10.0.0.${i + 1}`],
      conditions,
      targetRef: { kind: 'Pod', name: pod, namespace: 'shop' },
    })),
  };
}

describe('sliceEndpoints', () => {
  it('reads serving, else ready, and an absent condition as true; endpoints that are not pods are left out', () => {
    const s = slice('web-a', [
      ['running', { ready: true, serving: true, terminating: false }],
      ['draining-well', { ready: false, serving: false, terminating: true }],
      ['draining-still-ready', { ready: false, serving: true, terminating: true }],
      ['old-api', { ready: false }],
      ['unknown', {}],
    ]);
    s.endpoints.push({
      addresses: ['10.0.0.9'],
      conditions: {},
      targetRef: { kind: 'Node', name: 'n', namespace: '' },
    });
    assert.deepEqual(
      [...sliceEndpoints(s)],
      [
        ['running', true],
        ['draining-well', false],
        ['draining-still-ready', true],
        ['old-api', false],
        ['unknown', true],
      ],
    );
  });
});

describe('ServiceEndpoints', () => {
  it('follows a pod through its slices: ready, serving false while terminating, then removed', () => {
    const tracker = new ReadinessTracker();
    const service = new ServiceEndpoints();
    service.apply(
      { type: 'ADDED', object: slice('web-a', [['p1', { ready: true, serving: true }]]), at: 1 },
      tracker,
    );
    service.apply(
      { type: 'ADDED', object: slice('web-b', [['p2', { ready: true, serving: true }]]), at: 2 },
      tracker,
    );
    tracker.deleting('p1', 10);
    service.apply(
      {
        type: 'MODIFIED',
        object: slice('web-a', [['p1', { ready: false, serving: true, terminating: true }]]),
        at: 11,
      },
      tracker,
    );
    assert.equal(tracker.all().find((p) => p.pod === 'p1')?.unready, null, 'serving: still ready');
    service.apply(
      {
        type: 'MODIFIED',
        object: slice('web-a', [['p1', { ready: false, serving: false, terminating: true }]]),
        at: 12,
      },
      tracker,
    );
    tracker.deleting('p2', 20);
    service.apply({ type: 'DELETED', object: slice('web-b', []), at: 21 }, tracker);
    const byPod = new Map(tracker.all().map((p) => [p.pod, p]));
    assert.equal(byPod.get('p1')?.unready, 12);
    assert.equal(byPod.get('p2')?.unready, 21, 'its slice deleted: it left the Service');
    assert.equal(byPod.get('p2')?.seenReady, true);
  });

  it('takes a pod in two slices (IPv4 and IPv6) as ready while either says so', () => {
    const tracker = new ReadinessTracker();
    const service = new ServiceEndpoints();
    service.apply({ type: 'ADDED', object: slice('v4', [['p', { serving: true }]]), at: 1 }, tracker);
    service.apply({ type: 'ADDED', object: slice('v6', [['p', { serving: false }]]), at: 2 }, tracker);
    assert.equal(tracker.all()[0]?.unready, null);
    service.apply({ type: 'MODIFIED', object: slice('v4', [['p', { serving: false }]]), at: 3 }, tracker);
    assert.equal(tracker.all()[0]?.unready, 3);
  });

  it('ignores bookmarks, errors and objects without a name', () => {
    const tracker = new ReadinessTracker();
    const service = new ServiceEndpoints();
    service.apply(
      { type: 'BOOKMARK', object: { metadata: { name: 'x', resourceVersion: '9' } }, at: 1 },
      tracker,
    );
    service.apply({ type: 'ERROR', object: { message: 'gone' }, at: 2 }, tracker);
    service.apply({ type: 'ADDED', object: {}, at: 3 }, tracker);
    assert.deepEqual(tracker.all(), []);
  });
});

describe('applyPodEvent', () => {
  const pod = (name: string, extra: Record<string, unknown> = {}, status: Record<string, unknown> = {}) => ({
    metadata: { name, ...extra },
    status: { phase: 'Running', ...status },
  });

  it('marks the deletion start when deletionTimestamp appears, and the exit at a terminated container', () => {
    const tracker = new ReadinessTracker();
    applyPodEvent({ type: 'ADDED', object: pod('p'), at: 1 }, tracker);
    assert.equal(tracker.isDeleting('p'), false);
    const deleting = { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 };
    applyPodEvent({ type: 'MODIFIED', object: pod('p', deleting), at: 5 }, tracker);
    applyPodEvent(
      {
        type: 'MODIFIED',
        object: pod('p', deleting, {
          containerStatuses: [
            { name: 'app', state: { terminated: { exitCode: 0, finishedAt: '2026-01-01T00:00:12Z' } } },
          ],
        }),
        at: 12,
      },
      tracker,
    );
    applyPodEvent({ type: 'DELETED', object: pod('p', deleting), at: 14 }, tracker);
    const [p] = tracker.all();
    assert.equal(p?.deletionStart, 5);
    assert.equal(p?.exit, 12);
  });

  it('takes a pod deleted at once as deleting and gone at that moment; a finished pod as exited', () => {
    const tracker = new ReadinessTracker();
    applyPodEvent({ type: 'DELETED', object: pod('quick'), at: 7 }, tracker);
    applyPodEvent({ type: 'MODIFIED', object: pod('done', {}, { phase: 'Succeeded' }), at: 8 }, tracker);
    const byPod = new Map(tracker.all().map((p) => [p.pod, p]));
    assert.deepEqual([byPod.get('quick')?.deletionStart, byPod.get('quick')?.exit], [7, 7]);
    assert.deepEqual([byPod.get('done')?.deletionStart, byPod.get('done')?.exit], [null, 8]);
  });
});

describe('labelSelector', () => {
  it('joins matchLabels', () => {
    assert.equal(labelSelector({ app: 'web', tier: 'front' }), 'app=web,tier=front');
  });
});
