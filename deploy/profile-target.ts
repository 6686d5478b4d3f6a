/**
 * The target of `make validate PROFILE=<your profile>.json`, found in the cluster and not in what `make
 * deploy` recorded: namespace, Deployment and Service from the profile's `kubernetes` section (NAMESPACE,
 * DEPLOYMENT, SERVICE win), BASE_URL from that Service's NodePort on 127.0.0.1, REDIS_URL from the
 * namespace's `redis` Service (or any NodePort Service on 6379), the credentials from the namespace's
 * rollout-driver ServiceAccount when `make deploy MANIFESTS=…` gave it one (else the kubeconfig's own).
 * BASE_URL and REDIS_URL set in the environment are used as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../validator/settings/parse.ts';
import { type ClusterAccess, clusterAccess } from './access.ts';
import type { DeploySettings } from './config.ts';
import { writeDriverKubeconfig } from './deploy.ts';

export interface ProfileTarget {
  profile: string;
  name: string;
  namespace: string;
  deployment: string;
  service: string;
  baseUrl: string;
  redisUrl: string;
  kubeconfig: string;
  /** Who the rollout runs as: the driver's ServiceAccount, or the kubeconfig's own identity. */
  identity: string;
}

interface ServiceJson {
  metadata: { name: string };
  spec: { type?: string; ports?: { port: number; nodePort?: number }[] };
}

/** True when PROFILE names a profile file rather than a built-in profile. */
export const isProfileFile = (profile: string | undefined): profile is string =>
  Boolean(profile && /\.json$/i.test(profile));

export async function resolveProfileTarget(
  env: Record<string, string | undefined>,
  settings: Pick<DeploySettings, 'cluster'>,
): Promise<ProfileTarget> {
  const profile = path.resolve(env.PROFILE ?? '');
  if (!existsSync(profile)) throw new ConfigError('PROFILE', `cannot read ${profile}: no such file`);
  let parsed: { name?: string; kubernetes?: { namespace?: string; deployment?: string; service?: string } };
  try {
    parsed = JSON.parse(readFileSync(profile, 'utf8'));
  } catch (error) {
    throw new ConfigError('PROFILE', `${profile} is not JSON: ${(error as Error).message}`);
  }
  const k = parsed.kubernetes ?? {};
  const need = (setting: string, value: string | undefined, field: string) => {
    if (value) return value;
    throw new ConfigError(setting, `is not set and ${path.basename(profile)} has no kubernetes.${field}`);
  };
  const namespace = need('NAMESPACE', env.NAMESPACE || k.namespace, 'namespace');
  const deployment = need('DEPLOYMENT', env.DEPLOYMENT || k.deployment, 'deployment');
  const service = need('SERVICE', env.SERVICE || k.service, 'service');
  const access = await clusterAccess(settings);
  const get = async <T>(args: string[]): Promise<T | undefined> => {
    const out = await access.sh`${access.kubectl} get ${args} -n ${namespace} -o json`.nothrow();
    if (out.exitCode === 0) return JSON.parse(out.stdout) as T;
    if (/NotFound|not found/.test(out.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')} -n ${namespace} failed: ${out.stderr.trim()}`);
  };
  if (!(await get(['deployment', deployment])))
    throw new ConfigError(
      'PROFILE',
      `Deployment ${namespace}/${deployment} (from ${path.basename(profile)}) is not in the cluster: deploy it first (make deploy MANIFESTS=<your manifests>)`,
    );
  const baseUrl =
    env.BASE_URL || (await serviceUrl(await get<ServiceJson>(['service', service]), namespace, service));
  const redisUrl = env.REDIS_URL || (await redisServiceUrl(access, namespace));
  const hasDriver = Boolean(await get(['serviceaccount', 'zerodrop-driver']));
  const kubeconfig = hasDriver ? await writeDriverKubeconfig(access, namespace) : access.kubeconfig;
  return {
    profile,
    name: parsed.name || path.basename(profile, '.json'),
    namespace,
    deployment,
    service,
    baseUrl,
    redisUrl,
    kubeconfig,
    identity: hasDriver ? `ServiceAccount ${namespace}/zerodrop-driver` : `the kubeconfig ${kubeconfig}`,
  };
}

function nodePortUrl(svc: ServiceJson | undefined, scheme: string): string | undefined {
  const port = svc?.spec.type === 'NodePort' ? svc.spec.ports?.[0]?.nodePort : undefined;
  return port ? `${scheme}://127.0.0.1:${port}` : undefined;
}

async function serviceUrl(svc: ServiceJson | undefined, namespace: string, name: string): Promise<string> {
  if (!svc) throw new ConfigError('SERVICE', `Service ${namespace}/${name} is not in the cluster`);
  const url = nodePortUrl(svc, 'http');
  if (!url)
    throw new ConfigError(
      'BASE_URL',
      `is not set and Service ${namespace}/${name} has no NodePort (type ${svc.spec.type ?? 'ClusterIP'}): make it a NodePort or set BASE_URL`,
    );
  return url;
}

async function redisServiceUrl(access: ClusterAccess, namespace: string): Promise<string> {
  const out = await access.sh`${access.kubectl} get services -n ${namespace} -o json`.nothrow();
  const services = out.exitCode === 0 ? (JSON.parse(out.stdout) as { items: ServiceJson[] }).items : [];
  const byName = services.find((s) => s.metadata.name === 'redis');
  const byPort = services.find(
    (s) => s.spec.type === 'NodePort' && s.spec.ports?.some((p) => p.port === 6379),
  );
  const url = nodePortUrl(byName, 'redis') ?? nodePortUrl(byPort, 'redis');
  if (!url)
    throw new ConfigError(
      'REDIS_URL',
      `is not set and namespace ${namespace} has no redis Service with a NodePort: add one or set REDIS_URL`,
    );
  return url;
}
