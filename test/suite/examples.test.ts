/**
 * zerodrop against services it did not write: each example of examples/ (its own stack, its own
 * protocol, its own profile) runs as three processes behind a real nginx with a real Redis, and the real
 * k6 validates a rolling restart. The healthy build passes; each fault fails on the invariant that names
 * it. ZD_EXAMPLES=express-ws,socketio and ZD_FAULTS=none,no-replay narrow the run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Example, type ExampleFault, examples, faultDiagnoses } from '../support/examples.ts';
import { diagnosedIds, failedMetrics, type K6Run } from '../support/k6.ts';
import { validateWithoutKubernetes } from '../support/no-kubernetes.ts';

const onlyExamples = process.env.ZD_EXAMPLES?.split(',');
const onlyFaults = process.env.ZD_FAULTS?.split(',');

function validate(example: Example, fault: string): Promise<K6Run> {
  return validateWithoutKubernetes({
    name: `ex-${example.name}-${fault}`,
    replicas: example.replicas,
    service: example.service,
    env: (redisUrl) => ({
      REDIS_URL: redisUrl,
      ...example.env,
      ...(fault === 'none' ? {} : { FAULT: fault }),
    }),
    k6: { PROFILE: example.profile, ...example.k6 },
  });
}

for (const example of examples) {
  const skip = onlyExamples !== undefined && !onlyExamples.includes(example.name);
  const selected = (fault: string) => !onlyFaults || onlyFaults.includes(fault);
  describe(`${example.name}: zero-downtime.js through a rolling restart (no Kubernetes)`, {
    concurrency: 1,
    skip,
  }, () => {
    test('the healthy build passes every invariant and guard', { skip: !selected('none') }, async () => {
      const run = await validate(example, 'none');
      assert.equal(run.exitCode, 0, `expected a pass, got exit ${run.exitCode}:\n${run.output.slice(-5000)}`);
      assert.deepEqual(failedMetrics(run), []);
      assert.equal(run.report?.verdict.passed, true);
      assert.deepEqual(
        run.report?.diagnosis,
        { findings: [], unexplained: [] },
        'a pass has no failure signature',
      );
    });

    for (const [fault, invariants] of Object.entries(example.faults)) {
      test(`FAULT=${fault} fails on ${invariants.join(' or ')}`, { skip: !selected(fault) }, async () => {
        const run = await validate(example, fault);
        assert.equal(
          run.exitCode,
          99,
          `expected a threshold failure (99), got ${run.exitCode}:\n${run.output.slice(-5000)}`,
        );
        const failed = failedMetrics(run);
        assert.ok(
          invariants.some((i) => failed.includes(i)),
          `expected one of ${invariants.join(', ')} to fail; failed: ${failed.join(', ')}\n${run.output.slice(-3000)}`,
        );
        const expected = faultDiagnoses[fault as ExampleFault];
        assert.ok(
          diagnosedIds(run).includes(expected),
          `expected the diagnosis to name ${expected}; it named: ${diagnosedIds(run).join(', ') || 'nothing'}\n${JSON.stringify(run.report?.diagnosis, null, 2)}`,
        );
        if (fault === 'readiness-stays-ready') {
          const finding = run.report?.diagnosis?.findings.find((f) => f.id === 'readiness-on-drain');
          assert.match(
            finding?.signature ?? '',
            /^readiness still 200 during drain: \d replaced pods? reported/,
          );
          assert.match(finding?.cause ?? '', /^readiness not tied to shutdown: /);
          assert.ok(run.report?.meta.readiness?.pods.every((p) => p.unready === null && p.onDrain !== null));
        }
      });
    }
  });
}
