/**
 * Settings of the deploy and validate targets, with the same one-line errors as the validator's config:
 * MODE (good or a known-bad mode of the reference service), STRATEGY (layout: rolling or rainbow),
 * CLUSTER (embedded, the default, or existing: the current kubeconfig context), MANIFESTS (your own
 * manifests instead of the reference service) and FAULT (a value for the FAULT env var they declare).
 * PROFILE is the validator's target profile everywhere and never a deploy mode.
 */
import { BAD_MODES, type BadMode } from '../app/src/modes.ts';
import { ConfigError, oneOf } from '../validator/settings/parse.ts';

/** The known-bad modes of the reference service (BAD_MODE), each with a component in k8s/components/bad-modes. */
export const badModes = BAD_MODES.filter((m): m is Exclude<BadMode, 'none'> => m !== 'none');
export const deployModes = ['good', ...badModes] as const;
export const layouts = ['rolling', 'rainbow'] as const;
export const clusters = ['embedded', 'existing'] as const;

export type DeployMode = (typeof deployModes)[number];

export interface DeploySettings {
  mode: DeployMode;
  layout: (typeof layouts)[number];
  cluster: (typeof clusters)[number];
}

/** `make deploy MANIFESTS=…`: the user's manifests, with an optional FAULT for the containers that declare one. */
export interface ManifestSettings {
  manifests: string;
  fault: string | undefined;
  cluster: (typeof clusters)[number];
}

export function parseDeploySettings(env: Record<string, string | undefined>): DeploySettings {
  const profile = env.PROFILE;
  if (profile && !env.MODE && (deployModes as readonly string[]).includes(profile))
    throw new ConfigError(
      'PROFILE',
      `'${profile}' is a deploy mode of the reference service: say MODE=${profile} (PROFILE names the target profile, e.g. reference or a .json path)`,
    );
  return {
    mode: oneOf(env, 'MODE', deployModes, 'good'),
    layout:
      oneOf(env, 'STRATEGY', [...layouts, 'none'] as const, 'rolling') === 'rainbow' ? 'rainbow' : 'rolling',
    cluster: oneOf(env, 'CLUSTER', clusters, 'embedded'),
  };
}

/** The settings of `make deploy MANIFESTS=<kustomize dir or YAML file>`; undefined without MANIFESTS. */
export function parseManifestSettings(env: Record<string, string | undefined>): ManifestSettings | undefined {
  const manifests = env.MANIFESTS;
  if (!manifests) {
    if (env.FAULT) throw new ConfigError('FAULT', 'applies to your own manifests only: give MANIFESTS too');
    return undefined;
  }
  if (env.MODE)
    throw new ConfigError('MODE', 'is a deploy mode of the reference service: it does not go with MANIFESTS');
  const fault = env.FAULT || undefined;
  if (fault !== undefined && !/^[A-Za-z0-9._-]+$/.test(fault))
    throw new ConfigError('FAULT', `expected a fault name like memory-sessions (got '${fault}')`);
  return { manifests, fault, cluster: oneOf(env, 'CLUSTER', clusters, 'embedded') };
}
