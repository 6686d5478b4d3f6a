/**
 * End to end on the embedded cluster: the reference service deployed from k8s/ and validated by the
 * real bin/k6 through a real rolling update of every replica. The good deployment passes the full suite
 * at 500 users; each known-bad overlay fails and the report names the matching invariant. Prints the
 * detection matrix at the end. Needs the cluster up (test/cluster/cluster.test.ts runs first).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deploy } from '../../cluster/deploy.ts';
import type { DeployProfile } from '../../cluster/deploy-config.ts';
import { Status } from '../../cluster/status.ts';
import { validate } from '../../cluster/validate.ts';
import { failedInReport, matrix, printMatrix } from './matrix.ts';

/** Each known-bad mode and the invariants of which at least one must fail. */
export const rollingDetections: Record<Exclude<DeployProfile, 'good'>, string[]> = {
  'memory-sessions': ['zd_auth_lost', 'zd_audit_sessions_missing'],
  'abrupt-shutdown': ['zd_ws_abnormal_closes', 'zd_http_conn_errors', 'zd_http_5xx'],
  'no-resume': ['zd_msgs_lost'],
  'pod-affinity': ['zd_auth_lost'],
  'racy-logout': ['zd_audit_null_values', 'zd_audit_logged_out_alive', 'zd_logout_ineffective'],
  'no-cookie-guard': ['zd_negative_auth_wrong'],
  'no-order-dedup': ['zd_orders_applied_twice', 'zd_audit_orders_not_once'],
};

const only = process.env.ZD_MODES?.split(',');
const selected = (mode: string) => !only || only.includes(mode);

async function deployAndValidate(profile: DeployProfile, overrides: Record<string, string>) {
  await deploy({ profile, layout: 'rolling', cluster: 'embedded' }, new Status(process.stdout));
  return validate({ RUN_ID: `e2e-rolling-${profile}-${Date.now().toString(36)}`, ...overrides });
}

describe('zero-downtime.js on the embedded cluster (rolling update)', { concurrency: 1 }, () => {
  after(printMatrix);

  test('the good deployment passes every invariant at 300 HTTP + 200 WebSocket users', {
    skip: !selected('good'),
  }, async () => {
    const result = await deployAndValidate('good', { BASELINE: '15s', COOLDOWN: '10s' });
    const failed = failedInReport(result.reportDir);
    matrix.push({
      layout: 'rolling',
      mode: 'good',
      expected: '—',
      failed,
      verdict: result.exitCode === 0 ? 'PASS' : 'FAIL',
      ok: result.exitCode === 0,
    });
    assert.equal(result.exitCode, 0, `expected PASS, failed: ${failed.join(', ')}`);
  });

  for (const [mode, invariants] of Object.entries(rollingDetections)) {
    test(`PROFILE=${mode} fails on ${invariants.join(' or ')}`, { skip: !selected(mode) }, async () => {
      const result = await deployAndValidate(mode as DeployProfile, {
        HTTP_VUS: '60',
        WS_VUS: '40',
        BASELINE: '8s',
        COOLDOWN: '6s',
        HTTP_PACE: '500ms',
        ORDER_INTERVAL: '1s',
        LOGOUT_SHARE: '0.2',
        NEGATIVE_AUTH_SHARE: '0.2',
        ROLLOUT_TIMEOUT: '3m',
      });
      const failed = result.exitCode === 99 ? failedInReport(result.reportDir) : [];
      const ok = result.exitCode === 99 && invariants.some((i) => failed.includes(i));
      matrix.push({
        layout: 'rolling',
        mode,
        expected: invariants.join(' | '),
        failed,
        verdict: result.exitCode === 99 ? 'FAIL' : result.exitCode === 0 ? 'PASS' : 'ERROR',
        ok,
      });
      assert.equal(result.exitCode, 99, `expected a threshold failure (99), got ${result.exitCode}`);
      assert.ok(ok, `expected one of ${invariants.join(', ')} to fail; failed: ${failed.join(', ')}`);
    });
  }
});
