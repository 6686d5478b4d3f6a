/**
 * setup() checks, before any load starts: the target answers, Redis answers, the cluster is reachable,
 * the Deployment exists and the driver's account may do what the strategy needs. Each failure aborts the
 * run (k6 exit code 108) with one line naming the setting.
 */
import type { Kubernetes } from 'k6/x/kubernetes';
import type { TargetProfile } from '../profile/profile.ts';
import { errorText, type KubeObject, kubeClient } from '../rollout/kube.ts';
import { kubeTarget } from '../rollout/kube-target.ts';
import { colorName } from '../rollout/strategies/rainbow-plan.ts';
import type { Config } from '../settings/registry.ts';
import type { RunControl } from './control.ts';
import { stopSetup } from './preflight-target.ts';

export { checkTarget, stopSetup, whenSetupStops } from './preflight-target.ts';

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
    // Readiness on drain (readiness/follow.ts) lists, then watches, the pods and the Service's EndpointSlices.
    ['watch', 'Pod'],
    ['list', 'EndpointSlice.discovery.k8s.io'],
    ['watch', 'EndpointSlice.discovery.k8s.io'],
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
