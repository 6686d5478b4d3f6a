/**
 * The reports a person looks at, written by the real bin/k6 running dist/zero-downtime.js without
 * Kubernetes (STRATEGY=none, three reference-service processes behind nginx, rolled once): timeline.html
 * with a lane per pod drawn from what the run recorded, and k6's web dashboard export beside it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { K6Run } from '../support/k6.ts';
import { referenceEnv, validateWithoutKubernetes } from '../support/no-kubernetes.ts';

const reports = fileURLToPath(new URL('../../reports', import.meta.url));
const file = (run: K6Run, name: string) => join(reports, run.runId, name);
const read = (run: K6Run, name: string) => readFileSync(file(run, name), 'utf8');

function validate(mode: string): Promise<K6Run> {
  return validateWithoutKubernetes({
    name: `report-${mode}`,
    replicas: 3,
    env: (redisUrl) => referenceEnv(redisUrl, mode),
    k6: { HTTP_USERS: '30', WS_USERS: '20' },
    dashboard: true,
  });
}

/** Each lane's class and markup, by pod. */
function lanes(html: string): Map<string, { failing: boolean; markup: string }> {
  const out = new Map<string, { failing: boolean; markup: string }>();
  for (const m of html.matchAll(/<g class="lane( failing)?" data-pod="([^"]+)">(.*?)<\/g>/g))
    out.set(m[2] as string, { failing: m[1] !== undefined, markup: m[3] as string });
  return out;
}

describe('the reports of a run (real k6, no Kubernetes)', { concurrency: 1 }, () => {
  test('a passing rolling restart: a lane per pod with its lifecycle, every panel, the dashboard export beside it', async () => {
    const run = await validate('none');
    assert.equal(run.exitCode, 0, `expected a pass, got exit ${run.exitCode}:\n${run.output.slice(-4000)}`);
    const html = read(run, 'timeline.html');

    // Three pods rolled to three new ones: six lanes, in the order they came.
    const byPod = lanes(html);
    assert.deepEqual([...byPod.keys()], ['pod-1', 'pod-2', 'pod-3', 'pod-4', 'pod-5', 'pod-6']);
    for (const pod of ['pod-1', 'pod-2', 'pod-3']) {
      const lane = byPod.get(pod)?.markup ?? '';
      assert.match(lane, /class="state-ready"/, `${pod} ready`);
      assert.match(lane, /class="state-terminating"/, `${pod} terminating`);
      assert.match(lane, /terminating at [\d.]+ s, gone at [\d.]+ s;/, `${pod} gone`);
      assert.match(
        lane,
        /; [1-9]\d* requests, [1-9]\d* feed messages, at most [1-9]\d* WebSocket sessions, 0 failures/,
      );
    }
    for (const pod of ['pod-4', 'pod-5', 'pod-6']) {
      const lane = byPod.get(pod)?.markup ?? '';
      assert.match(lane, /class="state-starting"/, `${pod} starting`);
      assert.match(lane, /class="state-ready"/, `${pod} ready`);
      assert.doesNotMatch(lane, /state-terminating/);
      assert.match(lane, /[1-9]\d* requests/, `${pod} served requests`);
    }
    assert.ok([...byPod.values()].every((l) => !l.failing));
    for (const id of ['pods', 'served', 'sockets', 'latency', 'failures'])
      assert.match(html, new RegExp(`<g class="panel" id="${id}">`), id);
    assert.match(html, /<rect class="reconnects"/, 'sessions on the replaced pods reconnected');
    assert.match(
      html,
      /<path d="M[^"]+" fill="none" stroke="#3366cc" stroke-width="1.5"><title>HTTP p99<\/title>/,
    );
    assert.match(
      html,
      /<path d="M[^"]+" fill="none" stroke="#109618" stroke-width="1.5"><title>feed p99<\/title>/,
    );
    assert.match(html, />rollout 1<\/text>/);
    assert.match(html, />no failure recorded</);
    assert.doesNotMatch(html, /<script|NaN|undefined/);
    assert.match(html, /<a href="dashboard\.html">dashboard\.html<\/a>/);

    // What the lanes were drawn from is in summary.json too.
    const summary = JSON.parse(read(run, 'summary.json')) as {
      pods: Record<string, Record<string, number>>;
      meta: { timeline: { rollouts: { index: number; start: number; end: number }[] } };
    };
    assert.deepEqual(Object.keys(summary.pods).sort(), [
      'pod-1',
      'pod-2',
      'pod-3',
      'pod-4',
      'pod-5',
      'pod-6',
    ]);
    assert.ok((summary.pods['pod-1']?.terminating ?? 0) < (summary.pods['pod-1']?.gone ?? 0));
    assert.equal(summary.meta.timeline.rollouts.length, 1);
    assert.match(read(run, 'summary.txt'), /timeline\.html, dashboard\.html\)/);

    // k6's own dashboard: a self-contained page whose embedded data holds this run's metrics over time.
    const dashboard = read(run, 'dashboard.html');
    assert.match(dashboard, /^<!DOCTYPE html>/i);
    assert.doesNotMatch(dashboard, /<script[^>]+src=|<link[^>]+href="?https?:/i, 'opens offline');
    const data =
      /<script id="data" type="application\/json; charset=utf-8; gzip; base64">([^<]+)<\/script>/.exec(
        dashboard,
      );
    assert.ok(data, 'embedded data');
    const decoded = gunzipSync(Buffer.from(data[1] as string, 'base64')).toString('utf8');
    // k6 aggregates by the `group` tag only: no URL of the target or of Redis reaches the export.
    assert.doesNotMatch(decoded, /redis:\/\/|http:\/\/127\.0\.0\.1|zerodrop-synthetic/);
    const events = decoded
      .trim()
      .split('\n')
      .filter((l) => l !== 'null')
      .map((l) => JSON.parse(l) as { event?: string; data?: unknown });
    assert.ok(events.filter((e) => e.event === 'snapshot').length >= 2, 'a graph over time');
    assert.match(JSON.stringify(events), /zd_requests/);
  });

  test('a failing run: failures on the lanes of the pods that terminated, failing rows first', async () => {
    const run = await validate('abrupt-shutdown');
    assert.equal(
      run.exitCode,
      99,
      `expected a failure, got exit ${run.exitCode}:\n${run.output.slice(-4000)}`,
    );
    const html = read(run, 'timeline.html');
    const byPod = lanes(html);
    const failing = [...byPod].filter(([, l]) => l.failing).map(([pod]) => pod);
    assert.ok(failing.length > 0, 'a lane is marked failing');
    assert.ok(
      failing.every((pod) => ['pod-1', 'pod-2', 'pod-3', 'unknown'].includes(pod)),
      `failures on the replaced pods: ${failing.join(', ')}`,
    );
    assert.match(byPod.get(failing[0] as string)?.markup ?? '', /<rect class="failure" /);
    assert.doesNotMatch(html, />no failure recorded</);
    assert.match(html, /<rect class="failure" [^>]*><title>\d+ × zd_ws_abnormal_closes at \d+ s<\/title>/);
    // The verdict table's rows (the readiness-on-drain table below it has rows of its own).
    const verdictTable = html.slice(html.indexOf('<h2>Verdict</h2>')).split('</table>')[0] ?? '';
    const rows = [...verdictTable.matchAll(/<tr class="(ok|bad|skip)">/g)].map((m) => m[1]);
    const firstOk = rows.indexOf('ok');
    assert.ok(
      firstOk > 0 && rows.slice(firstOk).every((r) => r !== 'bad'),
      `failing rows first: ${rows.join(' ')}`,
    );
    assert.match(html, /<p class="bad">Failed: <code>/);
    assert.ok(existsSync(file(run, 'dashboard.html')));
  });
});
