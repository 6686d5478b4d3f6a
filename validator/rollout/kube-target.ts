/**
 * The Kubernetes objects a run rolls, resolved once from the settings (NAMESPACE, DEPLOYMENT, SERVICE win)
 * and the profile's kubernetes section. Pure: no k6 imports.
 */

import type { TargetProfile } from '../profile/profile.ts';
import { ConfigError } from '../settings/parse.ts';
import type { Config } from '../settings/registry.ts';

export interface KubeTarget {
  namespace: string;
  deployment: string;
  service: string;
  /** Label carrying the color in rainbow deployments. */
  colorLabel: string;
  /** Container to give ROLLOUT_IMAGE to; undefined = the Deployment's first container. */
  container: string | undefined;
}

export function kubeTarget(
  config: Pick<Config, 'namespace' | 'deployment' | 'service'>,
  profile: TargetProfile,
): KubeTarget {
  const k = profile.kubernetes;
  const need = (setting: string, value: string | null | undefined, field: string): string => {
    if (value) return value;
    throw new ConfigError(setting, `is not set and the profile has no kubernetes.${field}`);
  };
  return {
    namespace: need('NAMESPACE', config.namespace ?? k?.namespace, 'namespace'),
    deployment: need('DEPLOYMENT', config.deployment ?? k?.deployment, 'deployment'),
    service: need('SERVICE', config.service ?? k?.service, 'service'),
    colorLabel: k?.colorLabel ?? 'zerodrop.dev/color',
    container: k?.container,
  };
}
