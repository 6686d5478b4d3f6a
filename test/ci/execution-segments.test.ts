/**
 * Why the k6-operator rolls the Deployment exactly once: with parallelism N it starts N runners, runner i
 * with `--execution-segment=<(i-1)/N>:<i/N> --execution-segment-sequence=0,1/N,…,1`, and k6 gives each
 * scenario's VUs to the segments by that sequence, so the single-VU `rollout` scenario lands in exactly one
 * runner while the user VUs split evenly. Each user VU picks its users by its scenario slot
 * (`exec.scenario.iterationInTest`, see validator/settings/packing.ts): the slots must stay unique and complete
 * across runners, or users would run twice or not at all.
 *
 * Proven on the real bin/k6, without the operator: the scenarios are read from dist/zero-downtime.js itself
 * (`k6 inspect`), mirrored into a probe script whose every VU only counts itself, and each segment is run
 * as the operator would run it. A change to the suite's scenarios (say, a second rollout VU) fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot as repo } from '../../tools/paths.ts';

const k6 = join(repo, 'bin/k6');
const work = mkdtempSync(join(tmpdir(), 'zerodrop-segments-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The runner flags of k6-operator v1.5.0 (pkg/segmentation/segmentation.go NewCommandFragments), runner 1…n. */
function operatorSegmentFlags(index: number, total: number): string[] {
  const point = (i: number) => (i === 0 ? '0' : i === total ? '1' : `${i}/${total}`);
  const sequence = Array.from({ length: total + 1 }, (_, i) => point(i)).join(',');
  return [
    `--execution-segment=${point(index - 1)}:${point(index)}`,
    `--execution-segment-sequence=${sequence}`,
  ];
}

interface Scenario {
  executor: string;
  vus: number;
  [field: string]: unknown;
}

/** The scenarios of the real suite at its default scale, as k6 itself reads them. */
function suiteScenarios(): Record<string, Scenario> {
  const out = spawnSync(
    k6,
    [
      'inspect',
      '-e',
      'BASE_URL=http://127.0.0.1:9',
      '-e',
      'REDIS_URL=redis://127.0.0.1:9',
      'dist/zero-downtime.js',
    ],
    { cwd: repo, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(out.status, 0, out.stderr);
  return (JSON.parse(out.stdout) as { scenarios: Record<string, Scenario> }).scenarios;
}

/** Same scenarios and executors; every VU runs `probe` once, which counts it under its scenario's tag. */
const probeScript = `
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const mirrored = JSON.parse(__ENV.ZD_SCENARIOS);
const vus = new Counter('zd_probe_vus');
const keep = (s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== null));
export const options = {
  scenarios: Object.fromEntries(
    Object.entries(mirrored).map(([name, s]) => [name, { ...keep(s), exec: 'probe', maxDuration: '60s' }]),
  ),
  thresholds: Object.fromEntries(Object.keys(mirrored).map((name) => [\`zd_probe_vus{scenario:\${name}}\`, ['count>=0']])),
};
export function probe() {
  vus.add(1);
  console.log(\`ZD_SLOT \${exec.scenario.name} \${exec.scenario.iterationInTest}\`);
}
export function handleSummary(data) {
  const counts = {};
  for (const name of Object.keys(mirrored)) {
    counts[name] = data.metrics[\`zd_probe_vus{scenario:\${name}}\`]?.values.count ?? 0;
  }
  return { stdout: \`ZD_PROBE \${JSON.stringify(counts)}\\n\` };
}
`;

interface SegmentRun {
  counts: Record<string, number>;
  /** Scenario slots the runner's VUs took, by scenario. */
  slots: Record<string, number[]>;
}

function runSegment(script: string, scenarios: Record<string, Scenario>, flags: string[]): SegmentRun {
  const out = spawnSync(k6, ['run', '--quiet', '--no-color', ...flags, script], {
    env: { PATH: process.env.PATH ?? '', ZD_SCENARIOS: JSON.stringify(scenarios) },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(out.status, 0, `${out.stdout}\n${out.stderr}`);
  const line = /^ZD_PROBE (.*)$/m.exec(out.stdout)?.[1];
  assert.ok(line, `no probe line in k6's output:\n${out.stdout}`);
  const slots: Record<string, number[]> = {};
  for (const [, name, slot] of out.stderr.matchAll(/ZD_SLOT (\w+) (\d+)/g)) {
    slots[name as string] = [...(slots[name as string] ?? []), Number(slot)];
  }
  return { counts: JSON.parse(line) as Record<string, number>, slots };
}

const scenarios = suiteScenarios();
const probe = join(work, 'probe.js');
writeFileSync(probe, probeScript);

test('the suite has single-VU rollout and readiness scenarios beside the user scenarios', () => {
  assert.deepEqual(Object.keys(scenarios).sort(), ['http_users', 'readiness', 'rollout', 'ws_users']);
  for (const name of ['rollout', 'readiness']) {
    assert.equal(scenarios[name]?.vus, 1, name);
    assert.equal(scenarios[name]?.executor, 'per-vu-iterations', name);
  }
});

test('without segments the probe counts exactly the suite VUs (the probe measures what it should)', () => {
  const vus = (name: string) => scenarios[name]?.vus as number;
  assert.deepEqual(runSegment(probe, scenarios, []).counts, {
    http_users: vus('http_users'),
    readiness: 1,
    rollout: 1,
    ws_users: vus('ws_users'),
  });
});

for (const parallelism of [2, 3, 4]) {
  test(`parallelism ${parallelism}: the rollout and readiness VUs each run in exactly one runner, the users split evenly`, (t) => {
    const runs = Array.from({ length: parallelism }, (_, i) =>
      runSegment(probe, scenarios, operatorSegmentFlags(i + 1, parallelism)),
    );
    const perRunner = runs.map((r) => r.counts);
    const total = (name: string) => perRunner.reduce((sum, counts) => sum + (counts[name] ?? 0), 0);
    for (const single of ['rollout', 'readiness']) {
      assert.equal(total(single), 1, `${single}: ${JSON.stringify(perRunner)}`);
      assert.equal(perRunner.filter((c) => c[single] === 1).length, 1, JSON.stringify(perRunner));
    }
    for (const name of ['http_users', 'ws_users']) {
      const vus = scenarios[name]?.vus as number;
      assert.equal(total(name), vus, JSON.stringify(perRunner));
      for (const counts of perRunner) {
        const share = counts[name] as number;
        assert.ok(Math.abs(share - vus / parallelism) < 1, `${name}: ${share} of ${vus} in one runner`);
      }
      const slots = runs.flatMap((r) => r.slots[name] ?? []).sort((a, b) => a - b);
      assert.deepEqual(
        slots,
        Array.from({ length: vus }, (_, i) => i),
        `${name}: slots taken across runners`,
      );
    }
    const rolloutRunner = perRunner.findIndex((c) => c.rollout === 1) + 1;
    t.diagnostic(
      `runner ${rolloutRunner} of ${parallelism} has the rollout VU: ${JSON.stringify(perRunner)}`,
    );
  });
}
