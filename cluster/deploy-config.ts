/**
 * Settings of the deploy and validate targets, with the same one-line errors as the validator's config:
 * PROFILE (good or a known-bad mode of the reference service), STRATEGY (layout: rolling or rainbow),
 * CLUSTER (embedded, the default, or existing: the current kubeconfig context).
 */
import { BAD_MODES, type BadMode } from '../app/src/modes.ts';
import { oneOf } from '../scripts/lib/config.ts';

/** The known-bad modes of the reference service (BAD_MODE), each with a component in k8s/components/bad-modes. */
export const badModes = BAD_MODES.filter((m): m is Exclude<BadMode, 'none'> => m !== 'none');
export const deployProfiles = ['good', ...badModes] as const;
export const layouts = ['rolling', 'rainbow'] as const;
export const clusters = ['embedded', 'existing'] as const;

export type DeployProfile = (typeof deployProfiles)[number];

export interface DeploySettings {
  profile: DeployProfile;
  layout: (typeof layouts)[number];
  cluster: (typeof clusters)[number];
}

export function parseDeploySettings(env: Record<string, string | undefined>): DeploySettings {
  return {
    profile: oneOf(env, 'PROFILE', deployProfiles, 'good'),
    layout:
      oneOf(env, 'STRATEGY', [...layouts, 'none'] as const, 'rolling') === 'rainbow' ? 'rainbow' : 'rolling',
    cluster: oneOf(env, 'CLUSTER', clusters, 'embedded'),
  };
}
