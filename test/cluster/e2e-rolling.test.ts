import { after, describe, test } from 'node:test';
import type { DeployMode } from '../../deploy/config.ts';
import { deploy } from '../../deploy/deploy.ts';
import { validate } from '../../deploy/validate.ts';
import { Status } from '../../tools/status.ts';
import { newRunId } from '../../validator/run/run-id.ts';
import { detections } from '../support/detections.ts';
import { slow } from '../support/tier.ts';
import { judge, printMatrix } from './matrix.ts';

const only = process.env.ZD_MODES?.split(',');
const selected = (mode: string) => !only || only.includes(mode);
/**
 * Bad modes whose failure depends on Kubernetes (pods replaced, Service routing, readiness read from the
 * EndpointSlices): the default run. The others fail the same way without Kubernetes
 * (test/suite/no-kubernetes.test.ts) and run in the slow tier.
 */
const clusterModes = ['memory-sessions', 'abrupt-shutdown', 'pod-affinity', 'readiness-stays-ready'];

async function deployAndValidate(profile: DeployMode, overrides: Record<string, string>) {
  await deploy({ mode: profile, layout: 'rolling', cluster: 'embedded' }, new Status());
  return validate({ RUN_ID: newRunId(`e2e-rolling-${profile}`), ...overrides });
}

describe('zero-downtime.js on the embedded cluster (rolling update)', { concurrency: 1 }, () => {
  after(printMatrix);

  test('the good deployment passes every invariant at 300 HTTP + 200 WebSocket users', {
    skip: !selected('good'),
  }, async () => {
    const result = await deployAndValidate('good', { BASELINE: '15s', COOLDOWN: '10s' });
    judge('rolling', 'good', [], result);
  });

  for (const [mode, invariants] of Object.entries(detections)) {
    const skip = !selected(mode) || (!clusterModes.includes(mode) && slow);
    test(`MODE=${mode} fails on ${invariants.join(' or ')}`, { skip }, async () => {
      const result = await deployAndValidate(mode as DeployMode, {
        HTTP_USERS: '60',
        WS_USERS: '40',
        BASELINE: '8s',
        COOLDOWN: '6s',
        HTTP_PACE: '500ms',
        ORDER_INTERVAL: '1s',
        LOGOUT_SHARE: '0.2',
        NEGATIVE_AUTH_SHARE: '0.2',
        ROLLOUT_TIMEOUT: '3m',
      });
      judge('rolling', mode, invariants, result);
    });
  }
});
