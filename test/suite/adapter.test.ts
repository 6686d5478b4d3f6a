/**
 * The escape hatch end to end: `make bundle ADAPTER=…` bundles the express-ws example's adapter
 * (examples/express-ws/zerodrop-adapter.ts) into the entries, and the real k6 validates a rolling
 * restart of three real express-ws instances behind nginx with it and a profile that leaves login,
 * identity, frames, resume and orders to it: the healthy build passes, the faults the adapter's frame
 * classification and resume must see fail on their invariants, and a bad adapter module stops the run
 * in the init context with one line naming it (exit 107) before any load.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { repoRoot as repo } from '../../tools/paths.ts';
import { startApp } from '../support/app-process.ts';
import { examples } from '../support/examples.ts';
import { failedMetrics, runK6Script } from '../support/k6.ts';
import { validateWithoutKubernetes } from '../support/no-kubernetes.ts';
import { startRedis } from '../support/redis.ts';

const work = mkdtempSync(join(tmpdir(), 'zerodrop-adapter-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `make bundle ADAPTER=<adapter>` into a folder of the test's own. */
function bundle(adapter: string, dir: string): string {
  return execFileSync('make', ['--no-print-directory', 'bundle', `ADAPTER=${adapter}`, `BUNDLE_DIR=${dir}`], {
    cwd: repo,
    encoding: 'utf8',
  });
}

const expressWs = examples.find((e) => e.name === 'express-ws');
if (!expressWs) throw new Error('no express-ws example');
const profile = join(repo, 'examples/express-ws/zerodrop-adapter.json');

describe('an adapter bundled into the entries (express-ws, no Kubernetes)', { concurrency: 1 }, () => {
  const dist = join(work, 'dist');
  test('make bundle ADAPTER=… names the adapter and stays within the bundle budget', () => {
    const output = bundle('examples/express-ws/zerodrop-adapter.ts', dist);
    assert.match(output, /with the adapter examples\/express-ws\/zerodrop-adapter\.ts/);
    const sizes = [...output.matchAll(/ (\d+) KB/g)].map((m) => Number(m[1]));
    assert.ok(sizes.length >= 6 && sizes.every((kb) => kb < 100), output);
  });

  const validate = (fault: string) =>
    validateWithoutKubernetes({
      name: `adapter-${fault}`,
      replicas: expressWs.replicas,
      service: expressWs.service,
      script: join(dist, 'zero-downtime.js'),
      env: (redisUrl) => ({
        REDIS_URL: redisUrl,
        ...expressWs.env,
        ...(fault === 'none' ? {} : { FAULT: fault }),
      }),
      k6: { PROFILE: profile },
    });

  test('the healthy build passes every invariant and guard, nothing left unchecked', async () => {
    const run = await validate('none');
    assert.equal(run.exitCode, 0, `expected a pass, got exit ${run.exitCode}:\n${run.output.slice(-5000)}`);
    assert.deepEqual(failedMetrics(run), []);
    const metrics = run.report?.verdict.rows.map((r) => r.metric) ?? [];
    for (const fed of ['zd_msgs_lost', 'zd_orders_applied_twice', 'zd_orders_sent', 'zd_msgs_received'])
      assert.ok(
        metrics.includes(fed),
        `${fed} is judged (the adapter feeds it); rows: ${metrics.join(', ')}`,
      );
  });

  for (const [fault, invariant] of [
    ['no-replay', 'zd_msgs_lost'],
    ['double-apply', 'zd_orders_applied_twice'],
  ] as const) {
    test(`FAULT=${fault} fails on ${invariant}`, async () => {
      const run = await validate(fault);
      assert.equal(run.exitCode, 99, `expected 99, got ${run.exitCode}:\n${run.output.slice(-5000)}`);
      assert.ok(failedMetrics(run).includes(invariant), `failed: ${failedMetrics(run).join(', ')}`);
    });
  }

  for (const fault of ['none', 'no-replay'] as const) {
    test(`the profile check with the adapter: ${fault === 'none' ? 'every hook ✓' : 'FAULT=no-replay ✗ on the adapter resume'}`, async () => {
      const redis = await startRedis();
      const app = await startApp({
        ...expressWs.service,
        env: {
          ...expressWs.env,
          REDIS_URL: redis.url,
          POD_NAME: 'pod-a',
          ...(fault === 'none' ? {} : { FAULT: fault }),
        },
      });
      try {
        const run = await runK6Script(
          join(dist, 'check.js'),
          { BASE_URL: app.url, REDIS_URL: redis.url, PROFILE: profile },
          60_000,
        );
        const marked = (mark: string) => run.output.split('\n').filter((l) => l.startsWith(` ${mark} `));
        if (fault === 'none') {
          assert.equal(run.exitCode, 0, run.output);
          assert.deepEqual(marked('✗'), [], run.output);
          for (const hook of [
            'adapter login',
            'adapter identity',
            'adapter classify: greeting',
            'adapter classify: feed',
            'adapter classify: ack (applied)',
            'adapter classify: ack (duplicate)',
            'adapter resume',
            'redis.orders',
          ])
            assert.ok(
              marked('✓').some((l) => l.includes(` ${hook} `)),
              `${hook} ✓\n${run.output}`,
            );
        } else {
          assert.equal(run.exitCode, 99, run.output);
          assert.deepEqual(
            marked('✗').map((l) => l.trim().split(/ {2,}/)[0]),
            ['✗ adapter resume'],
            run.output,
          );
        }
      } finally {
        await app.stop();
        await redis.stop();
      }
    });
  }

  test('a bad adapter stops the run before any load: one line naming every bad export, exit 107', async () => {
    const bad = join(work, 'bad');
    bundle(join(repo, 'test/suite/fixtures/bad-adapter.ts'), bad);
    const run = await runK6Script(
      join(bad, 'zero-downtime.js'),
      { BASE_URL: 'http://127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9', PROFILE: profile },
      60_000,
    );
    assert.equal(run.exitCode, 107, run.output);
    assert.match(
      run.output,
      /ADAPTER: test\/suite\/fixtures\/bad-adapter\.ts: 2 problems: clasify: not a hook \(expected login, identity, classify, resume, order, frames\); resume: expected a function, found string/,
    );
    assert.doesNotMatch(run.output, /zerodrop run|is unreachable/, 'stopped before setup()');
  });
});
