/**
 * `make deploy MANIFESTS=<kustomize dir or YAML file> [FAULT=<fault>] [CLUSTER=embedded|existing]`: your
 * own service on the cluster. Renders the manifests (`kubectl kustomize` for a folder), sets FAULT on
 * every container that declares a FAULT env var, applies them, waits for every Deployment's rollout
 * (stopping at once on an image the node does not have), gives each of their namespaces the rollout
 * driver's ServiceAccount and Role (k8s/base/rbac.yaml) and waits until their NodePorts answer on
 * 127.0.0.1. Idempotent: applying the same manifests again changes nothing. On failure nothing is left
 * half-deployed: the objects this run created are deleted and the Deployments it changed are rolled
 * back to the revision they had.
 */

import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import path from 'node:path';
import { repoRoot as repo } from '../tools/paths.ts';
import { Status, StepError } from '../tools/status.ts';
import { ConfigError } from '../validator/settings/parse.ts';
import { type ClusterAccess, clusterAccess } from './access.ts';
import type { ManifestSettings } from './config.ts';
import { diagnostics } from './diagnostics.ts';
import { hopelessWaitMessage, hopelessWaits } from './pod-waits.ts';
import { deployDir } from './target.ts';

/** The rollout wait: 180 s, or the largest progressDeadlineSeconds the manifests declare when longer. */
const rolloutTimeoutMs = 180_000;
const serviceTimeoutMs = 30_000;
const revisionAnnotation = 'deployment.kubernetes.io/revision';

interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: { httpGet?: { path?: string } };
}

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
  };
  spec?: {
    replicas?: number;
    progressDeadlineSeconds?: number;
    type?: string;
    selector?: Record<string, string> | { matchLabels?: Record<string, string> };
    ports?: { nodePort?: number; port: number }[];
    template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Container[] } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** `kind/namespace/name`: one object, whatever the manifests or the cluster call it. */
const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The objects in kubectl's JSON output: a List, one object, or (`create --dry-run -o json` over several
 * documents) a stream of pretty-printed objects, each opening with `{` alone on its line.
 */
const items = (json: string): KubeObject[] =>
  json
    .split(/^(?=\{$)/m)
    .filter((chunk) => chunk.trim())
    .flatMap((chunk) => {
      const parsed = JSON.parse(chunk) as KubeObject | { kind: 'List'; items: KubeObject[] };
      return 'items' in parsed ? parsed.items : [parsed];
    });

async function kubectl(access: ClusterAccess, args: string[], what: string): Promise<string> {
  const out = await access.sh`${access.kubectl} ${args}`.nothrow();
  if (out.exitCode !== 0) throw new StepError(`${what} failed`, `${out.stdout}\n${out.stderr}`);
  return out.stdout;
}

/**
 * Sets FAULT on every pod-template container that declares a FAULT env var; returns how many. Pure on
 * the objects it is given (it edits them in place).
 */
export function setFault(objects: KubeObject[], fault: string): number {
  let count = 0;
  for (const o of objects)
    for (const c of o.spec?.template?.spec?.containers ?? [])
      for (const e of c.env ?? [])
        if (e.name === 'FAULT') {
          e.value = fault;
          delete e.valueFrom;
          count++;
        }
  return count;
}

/** The manifests as objects with their namespace filled in (the kubeconfig's default when absent). */
async function render(access: ClusterAccess, manifests: string): Promise<KubeObject[]> {
  const source = path.resolve(manifests);
  if (!existsSync(source)) throw new ConfigError('MANIFESTS', `${source} does not exist`);
  const yaml = statSync(source).isDirectory()
    ? await kubectl(access, ['kustomize', source], `kubectl kustomize ${manifests}`)
    : await readFile(source, 'utf8');
  const file = path.join(deployDir, 'manifests.yaml');
  await mkdir(deployDir, { recursive: true });
  await writeFile(file, yaml);
  const objects = items(
    await kubectl(access, ['create', '--dry-run=client', '-f', file, '-o', 'json'], 'reading the manifests'),
  );
  if (objects.length === 0) throw new ConfigError('MANIFESTS', `${manifests} holds no Kubernetes object`);
  const kinds = new Set(
    (await kubectl(access, ['api-resources', '--namespaced=true', '--no-headers'], 'listing resource kinds'))
      .split('\n')
      .map((line) => line.trim().split(/\s+/).at(-1) ?? ''),
  );
  for (const o of objects) if (!o.metadata.namespace && kinds.has(o.kind)) o.metadata.namespace = 'default';
  return objects;
}

export interface ManifestDeployResult {
  /** `namespace/name` of every Deployment rolled out. */
  deployments: string[];
  namespaces: string[];
  /** NodePort Services: `namespace/name` → node port. */
  nodePorts: Record<string, number>;
}

export async function deployManifests(
  settings: ManifestSettings,
  status = new Status(),
): Promise<ManifestDeployResult> {
  const access = await clusterAccess(settings);
  await status.step('Checking the cluster answers', async () => {
    const out = await access.sh`${access.kubectl} get --raw /readyz`.nothrow();
    if (out.exitCode !== 0)
      throw new StepError(`CLUSTER: the cluster is unreachable through ${access.kubeconfig}`, out.stderr);
  });
  const objects = await status.step(`Rendering ${settings.manifests}`, () =>
    render(access, settings.manifests),
  );
  if (settings.fault !== undefined) {
    const fault = settings.fault;
    const count = setFault(objects, fault);
    if (count === 0)
      throw new ConfigError('FAULT', `no container in ${settings.manifests} declares a FAULT env var to set`);
    status.note(`FAULT=${fault} on ${count} container${count === 1 ? '' : 's'}`);
  }
  const file = path.join(deployDir, 'manifests.json');
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2));
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const namespaces = [...new Set(deployments.map((d) => d.metadata.namespace ?? 'default'))];

  // What exists before, to undo exactly this run's changes on failure.
  const before = new Map(
    items(
      await kubectl(access, ['get', '-f', file, '-o', 'json', '--ignore-not-found'], 'reading the cluster'),
    ).map((o) => [keyOf(o), o]),
  );
  try {
    await status.step(
      `Applying ${objects.length} objects (${deployments.length} Deployment${deployments.length === 1 ? '' : 's'} in ${namespaces.join(', ') || '—'})`,
      () => kubectl(access, ['apply', '-f', file], 'kubectl apply'),
    );
    const timeoutMs = Math.max(
      rolloutTimeoutMs,
      ...deployments.map((d) => (d.spec?.progressDeadlineSeconds ?? 0) * 1000),
    );
    await status.step(`Waiting ≤ ${timeoutMs / 1000}s for every Deployment's rollout`, () =>
      waitForRollouts(access, deployments, timeoutMs),
    );
  } catch (error) {
    for (const namespace of namespaces) process.stderr.write(await diagnostics(access, namespace));
    await status.step('Undoing this deploy (nothing is left half-deployed)', () =>
      undo(access, objects, before),
    );
    throw error;
  }
  await status.step(`Granting the rollout driver its Role in ${namespaces.join(', ') || '—'}`, async () => {
    for (const namespace of namespaces)
      await kubectl(
        access,
        ['apply', '-n', namespace, '-f', path.join(repo, 'k8s/base/rbac.yaml')],
        `the driver's RBAC in ${namespace}`,
      );
  });
  const services = items(
    await kubectl(access, ['get', '-f', file, '-o', 'json'], 'reading the applied objects'),
  ).filter((o) => o.kind === 'Service' && o.spec?.type === 'NodePort');
  const nodePorts: Record<string, number> = {};
  for (const s of services) {
    const port = s.spec?.ports?.[0]?.nodePort;
    if (port) nodePorts[`${s.metadata.namespace}/${s.metadata.name}`] = port;
  }
  if (settings.cluster === 'embedded' && services.length > 0)
    await status.step(`Waiting ≤ ${serviceTimeoutMs / 1000}s for the NodePorts to answer on 127.0.0.1`, () =>
      waitForNodePorts(services, deployments),
    );
  for (const s of services)
    status.note(
      `${s.metadata.namespace}/${s.metadata.name}: 127.0.0.1:${nodePorts[`${s.metadata.namespace}/${s.metadata.name}`]}`,
    );
  return {
    deployments: deployments.map((d) => `${d.metadata.namespace}/${d.metadata.name}`),
    namespaces,
    nodePorts,
  };
}

/** Every Deployment rolled out: the new template observed, every replica updated and available, no old pod. */
async function waitForRollouts(
  access: ClusterAccess,
  deployments: KubeObject[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const namespaces = [...new Set(deployments.map((d) => d.metadata.namespace ?? 'default'))];
  for (;;) {
    const pending: string[] = [];
    for (const namespace of namespaces) {
      const names = deployments.filter((d) => d.metadata.namespace === namespace).map((d) => d.metadata.name);
      const live = items(
        await kubectl(
          access,
          ['get', 'deployments', ...names, '-n', namespace, '-o', 'json'],
          'reading Deployments',
        ),
      );
      for (const d of live) {
        const want = d.spec?.replicas ?? 1;
        const s = d.status ?? {};
        const stalled = s.conditions?.find(
          (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
        );
        if (stalled) throw new StepError(`Deployment ${namespace}/${d.metadata.name}: ${stalled.message}`);
        const done =
          (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
          (s.updatedReplicas ?? 0) === want &&
          (s.availableReplicas ?? 0) === want &&
          (s.replicas ?? 0) === want;
        if (!done)
          pending.push(
            `${namespace}/${d.metadata.name} (${s.updatedReplicas ?? 0} updated, ${s.availableReplicas ?? 0} available of ${want})`,
          );
      }
      const [hopeless] = hopelessWaits(
        JSON.parse(await kubectl(access, ['get', 'pods', '-n', namespace, '-o', 'json'], 'listing pods')),
      );
      if (hopeless)
        throw new StepError(
          hopelessWaitMessage(hopeless).replace(
            /`make images`.*$/,
            '`make image APP=<folder>` builds and loads yours, `make images IMAGE=<archive>` loads an archive',
          ),
        );
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new StepError(`not rolled out after ${timeoutMs / 1000}s: ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Deletes what this run created (namespaces last, waiting for them) and rolls back what it changed. */
async function undo(
  access: ClusterAccess,
  objects: KubeObject[],
  before: Map<string, KubeObject>,
): Promise<void> {
  const created = objects.filter((o) => !before.has(keyOf(o)));
  const namespaces = created.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  for (const o of created.filter(
    (o) => o.kind !== 'Namespace' && !namespaces.includes(o.metadata.namespace ?? ''),
  ))
    await access.sh`${access.kubectl} delete ${o.kind.toLowerCase()} ${o.metadata.name} ${o.metadata.namespace ? ['-n', o.metadata.namespace] : []} --ignore-not-found --wait=false`.nothrow();
  for (const o of objects.filter((o) => o.kind === 'Deployment' && before.has(keyOf(o)))) {
    const revision = before.get(keyOf(o))?.metadata.annotations?.[revisionAnnotation];
    const now = items(
      await kubectl(
        access,
        ['get', 'deployment', o.metadata.name, '-n', o.metadata.namespace ?? 'default', '-o', 'json'],
        'reading a Deployment',
      ),
    )[0]?.metadata.annotations?.[revisionAnnotation];
    if (revision && now && now !== revision)
      await kubectl(
        access,
        [
          'rollout',
          'undo',
          `deployment/${o.metadata.name}`,
          '-n',
          o.metadata.namespace ?? 'default',
          `--to-revision=${revision}`,
        ],
        `rolling back ${o.metadata.name}`,
      );
  }
  if (namespaces.length > 0) {
    for (const namespace of namespaces)
      await access.sh`${access.kubectl} delete pods --all -n ${namespace} --grace-period=0 --force --ignore-not-found --wait=false`.nothrow();
    await kubectl(
      access,
      ['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=true', '--timeout=120s'],
      'deleting the namespaces this deploy created',
    );
  }
}

/** The readiness path of the Deployment a Service selects, when its probe is an HTTP GET. */
function readinessPath(service: KubeObject, deployments: KubeObject[]): string | undefined {
  const selector = (service.spec?.selector ?? {}) as Record<string, string>;
  const match = deployments.find((d) => {
    const labels = d.spec?.template?.metadata?.labels ?? {};
    return (
      d.metadata.namespace === service.metadata.namespace &&
      Object.keys(selector).length > 0 &&
      Object.entries(selector).every(([k, v]) => labels[k] === v)
    );
  });
  return match?.spec?.template?.spec?.containers?.[0]?.readinessProbe?.httpGet?.path;
}

/** kube-proxy programs a new NodePort a moment after its pods are Ready: wait until each answers. */
async function waitForNodePorts(services: KubeObject[], deployments: KubeObject[]): Promise<void> {
  const deadline = Date.now() + serviceTimeoutMs;
  for (const service of services) {
    const port = service.spec?.ports?.[0]?.nodePort;
    if (!port) continue;
    const probe = readinessPath(service, deployments);
    let last = 'no answer';
    for (;;) {
      try {
        if (probe) {
          const response = await fetch(`http://127.0.0.1:${port}${probe}`, {
            signal: AbortSignal.timeout(2_000),
          });
          if (response.status === 200) break;
          last = `HTTP ${response.status}`;
        } else {
          await new Promise<void>((resolve, reject) => {
            const socket = createConnection({ host: '127.0.0.1', port, timeout: 2_000 }, () => {
              socket.destroy();
              resolve();
            });
            socket.once('error', reject);
            socket.once('timeout', () => reject(new Error('timeout')));
          });
          break;
        }
      } catch (error) {
        last = String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
      }
      if (Date.now() > deadline)
        throw new StepError(
          `${service.metadata.namespace}/${service.metadata.name}: 127.0.0.1:${port}${probe ?? ''} did not answer in ${serviceTimeoutMs / 1000}s (last: ${last})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
