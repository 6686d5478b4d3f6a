/**
 * setup() checks, before any load starts: the target answers, Redis answers, the cluster is reachable,
 * the Deployment exists and the driver's account may do what the strategy needs. Each failure aborts the
 * run (k6 exit code 108) with one line naming the setting.
 */
import exec from 'k6/execution';
import http from 'k6/http';
import type { Kubernetes } from 'k6/x/kubernetes';
import type { TargetProfile } from '../profile/profile.ts';
import { errorText, type KubeObject, kubeClient } from '../rollout/kube.ts';
import { kubeTarget } from '../rollout/kube-target.ts';
import { colorName } from '../rollout/strategies/rainbow-plan.ts';
import { redact } from '../settings/redact.ts';
import type { Config } from '../settings/registry.ts';
import { unauthorizedExpected } from '../users/users.ts';
import type { RunControl } from './control.ts';

let onStop: (reason: string) => void = () => {};

/** Lets an entry keep the reason setup() stopped, for the reports handleSummary writes in another VU. */
export function whenSetupStops(hook: (reason: string) => void): void {
  onStop = hook;
}

/** Stops the run from setup() (exit 108) with one line naming the setting, without credentials. */
export function stopSetup(setting: string, problem: string): never {
  const reason = redact(`${setting}: ${problem}`);
  onStop(reason);
  exec.test.abort(reason);
  throw new Error('unreachable: test.abort returned');
}

export function checkTarget(config: Config, profile: TargetProfile): void {
  const url = `${config.baseUrl}${profile.http.identity.path}`;
  const res = http.get(url, {
    jar: new http.CookieJar(),
    tags: { flow: 'preflight' },
    timeout: '10s',
    responseCallback: unauthorizedExpected(profile),
  });
  if (res.status === 0) stopSetup('BASE_URL', `${config.baseUrl} is unreachable (${res.error})`);
  if (!profile.http.unauthorizedStatuses.includes(res.status)) {
    stopSetup(
      'BASE_URL',
      `${url} without a session answered ${res.status}, expected ${profile.http.unauthorizedStatuses.join('/')}: is this the right service and PROFILE?`,
    );
  }
}

export async function checkRedis(config: Config, control: RunControl): Promise<void> {
  try {
    await control.client.sendCommand('PING');
  } catch (error) {
    stopSetup('REDIS_URL', `${config.redisUrl} is unreachable (${errorText(error)})`);
  }
}

/** What each strategy's driver does in its namespace. */
const needs: Record<string, [verb: string, kind: string][]> = {
  rolling: [
    ['get', 'Deployment.apps'],
    ['patch', 'Deployment.apps'],
    ['list', 'Pod'],
  ],
  rainbow: [
    ['get', 'Deployment.apps'],
    ['create', 'Deployment.apps'],
    ['delete', 'Deployment.apps'],
    ['patch', 'Service'],
    ['create', 'Service'],
    ['list', 'Pod'],
  ],
};

export function checkCluster(config: Config, profile: TargetProfile): void {
  const required = needs[config.strategy];
  if (!required) return;
  const { namespace, deployment } = kubeTarget(config, profile);
  let kube: ReturnType<typeof kubeClient>;
  try {
    kube = kubeClient(config);
  } catch (error) {
    stopSetup('KUBECONFIG', `no usable cluster configuration: ${errorText(error)}`);
  }
  try {
    kube.get('Namespace', namespace, '');
  } catch (error) {
    const text = errorText(error);
    if (/not ?found|\(404\)/i.test(text)) stopSetup('NAMESPACE', `namespace '${namespace}' does not exist`);
    if (/forbidden|\(403\)/i.test(text)) {
      // Reading namespaces is cluster-scoped and not needed: go on to the namespaced checks.
    } else {
      stopSetup('KUBECONFIG', `the cluster is unreachable: ${text}`);
    }
  }
  for (const [verb, kind] of required) {
    if (!kube.can(verb, kind, namespace)) {
      stopSetup('RBAC', `the rollout driver may not ${verb} ${kind} in namespace '${namespace}'`);
    }
  }
  const target =
    config.strategy === 'rainbow' ? servingColor(kube, config, profile, namespace, deployment) : deployment;
  try {
    kube.get('Deployment.apps', target, namespace);
  } catch (error) {
    const text = errorText(error);
    if (/not ?found|\(404\)/i.test(text))
      stopSetup('DEPLOYMENT', `deployment '${target}' not found in namespace '${namespace}'`);
    stopSetup('KUBECONFIG', `cannot read deployment '${target}': ${text}`);
  }
}

/** Rainbow: the Deployment of the color the main Service selects (`<base>-<color>`). */
function servingColor(
  kube: Kubernetes,
  config: Config,
  profile: TargetProfile,
  namespace: string,
  base: string,
): string {
  const { service, colorLabel } = kubeTarget(config, profile);
  let color: string | undefined;
  try {
    color = (kube.get('Service', service, namespace) as KubeObject).spec?.selector?.[colorLabel];
  } catch (error) {
    stopSetup('SERVICE', `service '${service}' not found in namespace '${namespace}': ${errorText(error)}`);
  }
  if (!color)
    stopSetup('SERVICE', `service '${service}' selects no ${colorLabel}: deploy the rainbow layout first`);
  return colorName(base, color);
}
