/** The self-contained HTML report and its SVG timeline. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakdownRow, SeriesPoint } from '../../validator/verdict/report/breakdown.ts';
import { htmlReport, timelineSvg } from '../../validator/verdict/report/html.ts';
import type { Verdict } from '../../validator/verdict/report/verdict.ts';
import { hostile, mixedVerdict, runMeta } from './report-fixtures.ts';

const t0 = 1_700_000_000;
/** Traffic per second and color: blue serves 0-30 s, green takes over from 20 s. */
const traffic: SeriesPoint[] = [
  { second: t0, key: 'blue', count: 10 },
  { second: t0 + 20, key: 'blue', count: 6 },
  { second: t0 + 20, key: 'green', count: 4 },
  { second: t0 + 30, key: 'green', count: 10 },
  { second: t0 + 60, key: 'green', count: 10 },
];
const failures: SeriesPoint[] = [
  { second: t0 + 20, key: 'zd_http_5xx|blue', count: 3 },
  { second: t0 + 20, key: 'zd_auth_lost|blue', count: 2 },
];

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

describe('timelineSvg', () => {
  it('says so when nothing was recorded', () => {
    assert.equal(timelineSvg([], [], runMeta()), '<p>No traffic was recorded.</p>');
  });

  it('draws one line per color, one bar per failure second and the rollout window', () => {
    const svg = timelineSvg(traffic, failures, runMeta());
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="260"'));
    assert.equal(count(svg, /<polyline /g), 2);
    assert.match(svg, /<title>blue<\/title><\/polyline>/);
    assert.match(svg, /<title>green<\/title><\/polyline>/);
    assert.equal(count(svg, /fill="#c00"/g), 1);
    assert.match(svg, /<title>5 failures at \+20s<\/title>/);
    assert.match(svg, /<title>rollout<\/title>/);
  });

  it('scales time from the first to the last second and values to the busiest second', () => {
    const svg = timelineSvg(traffic, failures, runMeta());
    // x: 50 + (s - t0) / 60 * 830; y: 230 - v / 10 * 210.
    const blue = svg.match(/points="([^"]*)"><title>blue</)?.[1];
    assert.equal(blue, '50.0,20.0 326.7,104.0');
    assert.match(svg, />60 s<\/text>/);
    assert.match(svg, />10\/s<\/text>/);
  });

  it('shades the rollout from its start to its end', () => {
    const meta = runMeta({
      timeline: { rolloutStart: (t0 + 15) * 1000 + 400, rolloutEnd: (t0 + 45) * 1000, endAt: null },
    });
    const svg = timelineSvg(traffic, failures, meta);
    const rect = svg.match(/<rect x="([\d.]+)" y="20" width="([\d.]+)" height="210" fill="#fff2cc">/);
    assert.ok(rect, 'rollout rect');
    assert.equal(Number(rect[1]), 50 + (15 / 60) * 830);
    assert.equal(Number(rect[2]), (30 / 60) * 830);
  });

  it('shades a rollout that has not ended up to the last second', () => {
    const meta = runMeta({ timeline: { rolloutStart: (t0 + 30) * 1000, rolloutEnd: null, endAt: null } });
    const rect = timelineSvg(traffic, [], meta).match(/<rect x="([\d.]+)" y="20" width="([\d.]+)"/);
    assert.ok(rect);
    assert.equal(Number(rect[1]) + Number(rect[2]), 880);
  });

  it('draws no rollout window for a run without rollout', () => {
    const svg = timelineSvg(
      traffic,
      [],
      runMeta({ timeline: { rolloutStart: null, rolloutEnd: null, endAt: null } }),
    );
    assert.doesNotMatch(svg, /<title>rollout<\/title>/);
  });

  it('copes with a single second of data', () => {
    const svg = timelineSvg([{ second: t0, key: 'blue', count: 1 }], [], runMeta());
    assert.doesNotMatch(svg, /NaN|Infinity/);
    assert.match(svg, />1 s<\/text>/);
  });

  it('draws failures even without traffic', () => {
    const svg = timelineSvg([], failures, runMeta());
    assert.equal(count(svg, /<polyline /g), 0);
    assert.match(svg, /5 failures at \+0s/);
  });

  it('escapes color names', () => {
    const svg = timelineSvg([{ second: t0, key: hostile, count: 1 }], [], runMeta());
    assert.ok(!svg.includes('<script>'));
    assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;'));
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
      [{ second: t0, key: hostile, count: 1 }],
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
    // 4 verdict cells, 5 breakdown cells, title and heading, 5 run fields, the line title and its legend.
    assert.equal(count(html, /&lt;script&gt;/g), 18);
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
