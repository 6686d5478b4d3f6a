/**
 * Strategy `rolling`: a native Deployment rolling update, triggered like `kubectl rollout restart`
 * (a pod-template annotation) or by changing the container image, then followed until every replica is
 * updated and available and every old pod is gone.
 */
import { sleep } from 'k6';
import type { TargetProfile } from '../../profile/profile.ts';
import type { Config } from '../../settings/registry.ts';
import type { RolloutStrategy } from '../driver.ts';
import { errorText, type KubeObject, kubeClient, selectorOf } from '../kube.ts';
import { kubeTarget } from '../kube-target.ts';
import { PodEventLog, type PodEventSink, type PodObject } from '../pod-events.ts';
import { deploymentView, podView, RolloutProgress } from '../state.ts';

const pollSeconds = 0.5;
const startTimeoutMs = 30_000;

export function rollingRollout(
  config: Config,
  profile: TargetProfile,
  recordPods: PodEventSink = async () => {},
): RolloutStrategy {
  const kube = kubeClient(config);
  const target = kubeTarget(config, profile);
  const { namespace, deployment: name } = target;
  let originalImage: string | null = null;
  const podEvents = new PodEventLog();

  const podsOf = (deployment: KubeObject) => {
    const matches = selectorOf(deployment.spec?.selector?.matchLabels ?? {});
    return (kube.list('Pod', namespace) as KubeObject[]).filter((p) => matches(p.metadata?.labels));
  };

  const trigger = (index: number, deployment: KubeObject): KubeObject => {
    if (config.rolloutTrigger === 'image') {
      const containers: { name: string; image: string }[] = deployment.spec?.template?.spec?.containers ?? [];
      const container = target.container ?? containers[0]?.name;
      const current = containers.find((c) => c.name === container);
      if (!current) throw new Error(`deployment ${namespace}/${name} has no container '${container}'`);
      originalImage ??= current.image as string;
      // Alternate between the new image and the original, so K rollouts each change something.
      const image = index % 2 === 1 ? (config.rolloutImage as string) : originalImage;
      const patch = { spec: { template: { spec: { containers: [{ name: container, image }] } } } };
      return kube.patch('Deployment.apps', name, namespace, JSON.stringify(patch), 'strategic') as KubeObject;
    }
    const patch = {
      spec: {
        template: { metadata: { annotations: { 'zerodrop.dev/restartedAt': new Date().toISOString() } } },
      },
    };
    return kube.patch('Deployment.apps', name, namespace, JSON.stringify(patch), 'merge') as KubeObject;
  };

  return async (index) => {
    const started = Date.now();
    try {
      const before = kube.get('Deployment.apps', name, namespace) as KubeObject;
      const listed = podsOf(before);
      await recordPods(podEvents.observe(listed as PodObject[], Date.now()));
      const oldPods = new Set(listed.map(podView).map((p) => p.name));
      const patched = trigger(index, before);
      const progress = new RolloutProgress(oldPods, patched.metadata?.generation ?? 0, started, {
        startTimeoutMs,
        timeoutMs: config.rolloutTimeoutMs,
      });
      const replicas = deploymentView(before).desired;
      for (;;) {
        const deployment = kube.get('Deployment.apps', name, namespace) as KubeObject;
        const pods = podsOf(deployment);
        await recordPods(podEvents.observe(pods as PodObject[], Date.now()));
        const state = progress.observe(deploymentView(deployment), pods.map(podView), Date.now());
        if (state.kind === 'complete') {
          return {
            ok: true,
            podsReplaced: state.podsReplaced,
            replicas,
            durationMs: state.durationMs,
            detail: 'complete',
          };
        }
        if (state.kind === 'failed') {
          return {
            ok: false,
            podsReplaced: state.podsReplaced,
            replicas,
            durationMs: Date.now() - started,
            detail: `${state.reason}: ${state.detail}`,
          };
        }
        sleep(pollSeconds);
      }
    } catch (error) {
      return {
        ok: false,
        podsReplaced: 0,
        replicas: 0,
        durationMs: Date.now() - started,
        detail: errorText(error),
      };
    }
  };
}
