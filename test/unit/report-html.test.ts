/** The self-contained HTML report and its SVG timeline. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PerSecond, type SecondRecord } from '../../validator/run/per-second.ts';
import type { BreakdownRow, SeriesPoint } from '../../validator/verdict/report/breakdown.ts';
import { htmlReport } from '../../validator/verdict/report/html.ts';
import {
  parseSeconds,
  shapeTimeline,
  type TimelineModel,
} from '../../validator/verdict/report/timeline-data.ts';
import {
  stateColors,
  tickLabel,
  tickStep,
  timelineSvg,
} from '../../validator/verdict/report/timeline-svg.ts';
import type { Verdict } from '../../validator/verdict/report/verdict.ts';
import { hostile, mixedVerdict, runMeta } from './report-fixtures.ts';
import { rollingRestart, t0 } from './timeline-fixtures.ts';

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;
/** The markup of one panel (`<g class="panel" id="…">`) of a timeline. */
const panel = (svg: string, id: string) => {
  const start = svg.indexOf(`<g class="panel" id="${id}">`);
  if (start < 0) return '';
  const next = svg.indexOf('<g class="panel"', start + 1);
  return svg.slice(start, next < 0 ? svg.indexOf('</svg>') : next);
};
/** One lane's markup. */
const lane = (svg: string, pod: string) => {
  const start = svg.search(new RegExp(`<g class="lane[^"]*" data-pod="${pod}">`));
  return start < 0 ? '' : svg.slice(start, svg.indexOf('</g>', start));
};

const model = () => shapeTimeline(rollingRestart()) as TimelineModel;
const traffic: SecondRecord[] = [
  [t0, { 'http|app-1|blue': 10 }, {}],
  [t0 + 60, { 'http|app-2|green': 10 }, {}],
];
const failures: SeriesPoint[] = [
  { second: t0 + 20, key: 'zd_http_5xx|blue|app-1', count: 3 },
  { second: t0 + 20, key: 'zd_auth_lost|blue|app-1', count: 2 },
];

describe('tickStep and tickLabel', () => {
  it('gives at most about ten round ticks, labelled in seconds or minutes', () => {
    assert.equal(tickStep(1), 1);
    assert.equal(tickStep(60), 10);
    assert.equal(tickStep(61), 10);
    assert.equal(tickStep(101), 15);
    assert.equal(tickStep(3600), 600);
    assert.equal(tickLabel(45, 60), '45 s');
    assert.equal(tickLabel(90, 600), '1:30');
    assert.equal(tickLabel(3725, 7200), '1:02:05');
  });
});

describe('timelineSvg', () => {
  it('says so when nothing was recorded', () => {
    assert.equal(timelineSvg(null), '<p>No traffic was recorded.</p>');
  });

  it('has a lane per pod with its states, requests, sockets and failures', () => {
    const svg = timelineSvg(model());
    assert.equal(count(svg, /<g class="lane[^"]*" data-pod="/g), 5);
    for (const pod of ['pod-a', 'pod-b', 'pod-c', 'pod-d', 'unknown']) assert.ok(lane(svg, pod), pod);
    const a = lane(svg, 'pod-a');
    assert.match(a, /<rect class="state-ready" x="170" [^>]*fill="#c7e9c0"/);
    assert.match(a, /<rect class="state-terminating" /);
    assert.doesNotMatch(a, /state-starting/);
    assert.match(a, /<polygon points="/, 'requests area');
    assert.match(a, /<path d="M/, 'sockets line');
    assert.match(
      a,
      /<title>pod-a \(default\): ready at -60 s, terminating at 15 s, gone at 18 s; 150 requests/,
    );
    assert.match(panel(svg, 'pods'), />lane scale: 10 requests\/s, 4 WebSocket sessions</);
    assert.match(lane(svg, 'pod-c'), /class="state-starting"/);
    assert.match(lane(svg, 'pod-b'), /class="state-unready"/);
  });

  it('orders the lanes as the pods came and marks the failing ones', () => {
    const svg = timelineSvg(model());
    const order = [...svg.matchAll(/data-pod="([^"]+)"/g)].map((x) => x[1]);
    assert.deepEqual(order, ['pod-a', 'pod-b', 'pod-c', 'pod-d', 'unknown']);
    assert.match(svg, /<g class="lane failing" data-pod="pod-b">/);
    assert.match(lane(svg, 'pod-b'), />4 failures<\/text>/);
    assert.equal(count(lane(svg, 'pod-b'), /class="failure"/g), 2);
    assert.match(lane(svg, 'pod-b'), /<title>3 failures at 25 s<\/title>/);
    assert.match(svg, /<g class="lane" data-pod="pod-a">/);
  });

  it('draws the panels on one time axis with ticks, and the rollout shaded in each', () => {
    const svg = timelineSvg(model());
    for (const id of ['pods', 'served', 'sockets', 'latency', 'failures']) {
      const p = panel(svg, id);
      assert.ok(p, id);
      assert.equal(
        count(p, /<rect class="rollout" x="296.7" y="[\d.]+" width="380"/g),
        1,
        `${id}: rollout 10-40 s of 60`,
      );
      assert.deepEqual(
        [...p.matchAll(/text-anchor="middle" fill="#555">([^<]+)</g)].map((x) => x[1]),
        ['0 s', '10 s', '20 s', '30 s', '40 s', '50 s', '60 s'],
        `${id}: time ticks`,
      );
    }
    assert.match(svg, />rollout 1<\/text>/);
  });

  it('draws WebSocket sessions open and reconnects', () => {
    const p = panel(timelineSvg(model()), 'sockets');
    assert.match(p, />8 open</);
    assert.equal(count(p, /<rect class="reconnects"/g), 2);
    assert.match(p, /<title>4 reconnects at 15 s<\/title>/);
  });

  it('draws latency p99 per second for HTTP and the feed', () => {
    const p = panel(timelineSvg(model()), 'latency');
    assert.match(p, /<title>HTTP p99<\/title>/);
    assert.match(p, /<title>feed p99<\/title>/);
    assert.match(p, />304 ms</, 'scaled to the slowest second');
  });

  it('puts failures on their own scale, stacked by invariant', () => {
    const svg = timelineSvg(model());
    const p = panel(svg, 'failures');
    assert.match(p, /fill="#c00">3\/s</, 'the busiest failing second, not the traffic');
    assert.match(panel(svg, 'served'), />38\/s</, 'traffic keeps its scale');
    assert.equal(count(p, /<rect class="failure"/g), 3);
    assert.match(p, /<title>3 × zd_http_conn_errors at 25 s<\/title>/);
    const empty = timelineSvg(shapeTimeline({ ...rollingRestart(), failures: [], breakdown: [] }));
    assert.match(panel(empty, 'failures'), />no failure recorded</);
    assert.doesNotMatch(empty, /class="lane failing"/);
  });

  it('has a legend naming every state, series and failing invariant', () => {
    const legend = timelineSvg(model()).split('<div class="legend">')[1] ?? '';
    for (const s of ['starting', 'ready', 'unready', 'terminating'])
      assert.match(
        legend,
        new RegExp(`background:${stateColors[s as keyof typeof stateColors]};[^"]*"></i>pod ${s}<`),
      );
    for (const label of [
      'pod gone',
      'WebSocket sessions open',
      'rollout window',
      'served by default',
      'reconnects',
      'HTTP p99',
      'feed p99',
      'zd_http_conn_errors',
      'zd_auth_lost',
    ])
      assert.ok(legend.includes(`</i>${label}</span>`), label);
  });

  it('leaves out the WebSocket panel of a run without WebSocket users, and copes with one second', () => {
    const svg = timelineSvg(shapeTimeline({ seconds: [traffic[0] as SecondRecord], failures: [] }));
    assert.equal(panel(svg, 'sockets'), '');
    assert.match(panel(svg, 'pods'), />lane scale: 10 requests\/s</);
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
    assert.match(svg, />1 s</);
  });

  it('draws a long run of many pods: 150 lanes over 600 columns', () => {
    const rec = new PerSecond();
    for (let s = 0; s < 1800; s++) rec.count((t0 + s) * 1000, 'http', `pod-${Math.floor(s / 12)}`, 'c');
    const m = shapeTimeline({ seconds: parseSeconds({ a: rec.take() }), failures: [] }) as TimelineModel;
    assert.equal(m.columns, 600);
    const svg = timelineSvg(m);
    assert.equal(count(svg, /<g class="lane" data-pod="/g), 150);
    assert.match(panel(svg, 'pods'), />lane scale: 3 requests per 3 s</);
    assert.deepEqual(
      [...panel(svg, 'failures').matchAll(/text-anchor="middle" fill="#555">([^<]+)</g)].map((x) => x[1]),
      ['0:00', '5:00', '10:00', '15:00', '20:00', '25:00', '30:00'],
    );
    assert.ok(svg.length < 2_000_000, `${svg.length} characters`);
  });

  it('escapes pod, color and invariant names', () => {
    const svg = timelineSvg(
      shapeTimeline({
        seconds: [[t0, { [`http|${hostile}|${hostile}`]: 1 }, {}]],
        failures: [{ second: t0, key: `${hostile}|x|${hostile}`, count: 1 }],
      }),
    );
    assert.ok(!svg.includes('<script>'));
    assert.ok(!svg.includes('"x"'));
    assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;'));
  });

  it('is self-contained: no script, no external reference', () => {
    const html = htmlReport(
      mixedVerdict(),
      [],
      rollingRestart().seconds,
      rollingRestart().failures,
      runMeta(),
    );
    assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
    assert.deepEqual(
      html.match(/https?:\/\/[^\s"<]+/g)?.filter((u) => u !== 'http://127.0.0.1:8080'),
      ['http://www.w3.org/2000/svg'],
    );
  });
});

describe('htmlReport', () => {
  const breakdown: BreakdownRow[] = [
    {
      invariant: 'zd_http_5xx',
      phase: 'rollout',
      pod: 'app-1',
      color: 'blue',
      detail: 'status 502',
      count: 3,
    },
  ];

  it('is a complete page with the verdict, a row per check and the breakdown', () => {
    const html = htmlReport(mixedVerdict(), breakdown, traffic, failures, runMeta());
    assert.ok(html.startsWith('<!doctype html>\n<html lang="en">'));
    assert.ok(html.trimEnd().endsWith('</body></html>'));
    assert.match(html, /<h1>zerodrop 20250101-120000-abcd: <span class="fail">FAIL<\/span><\/h1>/);
    assert.equal(count(html, /<tr class="ok">/g), 2);
    assert.equal(count(html, /<tr class="bad">/g), 2);
    assert.match(html, /<td>p\(99\)&lt;5000, max&lt;10000<\/td>/);
    assert.match(
      html,
      /<tr><td>3<\/td><td>zd_http_5xx<\/td><td>rollout<\/td><td>app-1<\/td><td>blue<\/td><td>status 502<\/td><\/tr>/,
    );
    assert.match(html, /30 HTTP \+ 20 WebSocket users/);
    assert.match(html, /<svg /);
    assert.match(html, /<g class="lane failing" data-pod="app-1">/);
  });

  it('puts the failing rows first, and names them under the heading', () => {
    const html = htmlReport(mixedVerdict(), breakdown, traffic, failures, runMeta());
    const rows = [...html.matchAll(/<tr class="(ok|bad|skip)">/g)].map((m) => m[1]);
    assert.deepEqual(rows, ['bad', 'bad', 'ok', 'ok']);
    assert.match(
      html,
      /<p class="bad">Failed: <code>zd_reconnect_ms<\/code>, <code>zd_audit_runs<\/code><\/p>/,
    );
    assert.ok(html.indexOf('zd_audit_runs</code></td>') < html.indexOf('zd_http_5xx</code></td>'));
  });

  it('links the k6 web dashboard written beside it', () => {
    const html = htmlReport(mixedVerdict(), [], traffic, [], runMeta(), undefined, {
      dashboard: 'dashboard.html',
    });
    assert.match(html, /<a href="dashboard\.html">dashboard\.html<\/a>/);
    assert.doesNotMatch(htmlReport(mixedVerdict(), [], traffic, [], runMeta()), /dashboard\.html/);
  });

  it('draws the pods’ lifecycle from their events and each rollout’s window', () => {
    const input = rollingRestart();
    const meta = runMeta({
      timeline: { rolloutStart: null, rolloutEnd: null, endAt: null, rollouts: input.rollouts ?? [] },
    });
    const html = htmlReport(mixedVerdict(), [], input.seconds, input.failures, meta, undefined, {
      pods: input.pods ?? {},
    });
    assert.match(html, /<rect class="state-starting"/);
    assert.match(html, />rollout 1</);
  });

  it('says PASS and "None." for a clean run', () => {
    const html = htmlReport({ passed: true, rows: [], notChecked: [] }, [], [], [], runMeta());
    assert.match(html, /<span class="pass">PASS<\/span>/);
    assert.match(html, /<p>None\.<\/p>/);
    assert.match(html, /No traffic was recorded/);
  });

  it('escapes every string from the run', () => {
    const verdict: Verdict = {
      passed: false,
      notChecked: [],
      rows: [
        {
          kind: 'invariant',
          metric: `zd_x{tag:${hostile}}`,
          title: hostile,
          value: hostile,
          thresholds: [{ expression: hostile, ok: false }],
          ok: false,
        },
      ],
    };
    const rows: BreakdownRow[] = [
      { invariant: hostile, phase: hostile, pod: hostile, color: hostile, detail: hostile, count: 1 },
    ];
    const html = htmlReport(
      verdict,
      rows,
      [[t0, { [`http|${hostile}|${hostile}`]: 1 }, {}]],
      [],
      runMeta({
        runId: hostile,
        target: hostile,
        profile: hostile,
        thresholds: hostile,
        strategy: hostile,
        command: hostile,
      }),
    );
    assert.ok(!html.includes('<script>'), 'no raw markup from the run');
    assert.ok(!html.includes(`"x"`), 'no raw quotes from the run');
    // 4 verdict cells and the failed line, 5 breakdown cells, title and heading, 5 run fields; the
    // timeline: the lane's data-pod, title, name and failure count label, the color line and its legend.
    assert.equal(count(html, /&lt;script&gt;/g), 23);
  });
});

describe('htmlReport of a run setup() stopped', () => {
  it('says "not run: <reason>" in its heading', () => {
    const html = htmlReport(
      { passed: false, rows: [], notChecked: [], notRun: 'RUN_ID: used already' },
      [],
      [],
      [],
      runMeta(),
    );
    assert.match(html, /<h1>[^<]*<span class="fail">not run: RUN_ID: used already<\/span><\/h1>/);
    assert.doesNotMatch(html, />FAIL</);
  });
});
