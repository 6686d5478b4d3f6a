/**
 * `make deploy [MODE=good|<bad mode>] [STRATEGY=rolling|rainbow] [CLUSTER=embedded|existing]`:
 * deploys the reference service and Redis from k8s/ (base, the bad mode's component, the rainbow
 * layout's component) into a fresh `zerodrop` namespace, waits until every Deployment is available,
 * issues the rollout driver's token and records the target for `make validate`. One ✓/✗ line per step;
 * on failure, pods, events and log tails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Status, StepError } from '../tools/status.ts';
import { type ClusterAccess, clusterAccess } from './access.ts';
import type { DeploySettings } from './config.ts';
import { diagnostics } from './diagnostics.ts';
import { hopelessWaitMessage, hopelessWaits } from './pod-waits.ts';
import { deployDir, readTarget, writeTarget } from './target.ts';

const namespace = 'zerodrop';
const waitTimeoutMs = 180_000;
const serviceTimeoutMs = 30_000;

/** The kustomization for this deploy: base plus the components the settings ask for. */
export function kustomization(settings: Pick<DeploySettings, 'mode' | 'layout'>): string {
  const components = [
    ...(settings.layout === 'rainbow' ? ['../../k8s/components/rainbow'] : []),
    ...(settings.mode === 'good' ? [] : [`../../k8s/components/bad-modes/${settings.mode}`]),
  ];
  return [
    '# Written by deploy/deploy.ts: the reference service as `make deploy` was asked for.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    '  - ../../k8s/base',
    ...(components.length > 0 ? ['components:', ...components.map((c) => `  - ${c}`)] : []),
    '',
  ].join('\n');
}

async function run(access: ClusterAccess, args: string[], what: string): Promise<string> {
  const out = await access.sh`${access.kubectl} ${args}`.nothrow();
  if (out.exitCode !== 0) throw new StepError(`${what} failed`, `${out.stdout}\n${out.stderr}`);
  return out.stdout;
}

export async function deploy(settings: DeploySettings, status = new Status()): Promise<void> {
  const access = await clusterAccess(settings);
  try {
    await status.step('Checking the cluster answers', async () => {
      const out = await access.sh`${access.kubectl} get --raw /readyz`.nothrow();
      if (out.exitCode !== 0)
        throw new StepError(`CLUSTER: the cluster is unreachable through ${access.kubeconfig}`, out.stderr);
    });
    await status.step(`Removing any earlier deployment (namespace ${namespace})`, async () => {
      await run(
        access,
        [
          'delete',
          'pods',
          '--all',
          '-n',
          namespace,
          '--grace-period=0',
          '--force',
          '--ignore-not-found',
          '--wait=false',
        ],
        'deleting pods',
      );
      await run(
        access,
        [
          'delete',
          'namespace',
          namespace,
          '--ignore-not-found',
          '--wait=true',
          `--timeout=${waitTimeoutMs}ms`,
        ],
        'deleting the namespace',
      );
    });
    await status.step(`Applying k8s/ (mode ${settings.mode}, layout ${settings.layout})`, async () => {
      await mkdir(deployDir, { recursive: true });
      await writeFile(path.join(deployDir, 'kustomization.yaml'), kustomization(settings));
      await run(access, ['apply', '-k', deployDir], 'kubectl apply -k');
    });
    await status.step(`Waiting ≤ ${waitTimeoutMs / 1000}s for every Deployment to be available`, () =>
      waitForDeployments(access),
    );
    const driverKubeconfig = await status.step(
      'Issuing the rollout driver token (ServiceAccount zerodrop-driver)',
      () => writeDriverKubeconfig(access, namespace),
    );
    await status.step('Recording the target for make validate', async () => {
      const nodePort = async (service: string) =>
        (
          await run(
            access,
            ['get', 'service', service, '-n', namespace, '-o', 'jsonpath={.spec.ports[0].nodePort}'],
            `reading ${service}`,
          )
        ).trim();
      await writeTarget({
        mode: settings.mode,
        layout: settings.layout,
        cluster: settings.cluster,
        namespace,
        baseUrl: process.env.BASE_URL || `http://127.0.0.1:${await nodePort('session-app')}`,
        redisUrl: process.env.REDIS_URL || `redis://127.0.0.1:${await nodePort('redis')}`,
        driverKubeconfig,
        deployedAt: new Date().toISOString(),
      });
    });
    // kube-proxy programs a new Service a moment after its pods are Ready: wait until it answers.
    const { baseUrl } = readTarget();
    await status.step(`Waiting ≤ ${serviceTimeoutMs / 1000}s for GET ${baseUrl}/readyz to answer 200`, () =>
      waitForReadyz(baseUrl),
    );
  } catch (error) {
    process.stderr.write(await diagnostics(access, namespace));
    throw error;
  }
}

/**
 * Waits until every Deployment is Available, bounded by waitTimeoutMs; stops at once when a container
 * waits for an image the node does not have (it would wait for the whole timeout otherwise).
 */
async function waitForDeployments(access: ClusterAccess): Promise<void> {
  const deadline = Date.now() + waitTimeoutMs;
  for (;;) {
    const available =
      await access.sh`${access.kubectl} wait --for=condition=Available deployments --all -n ${namespace} --timeout=3s`.nothrow();
    if (available.exitCode === 0) return;
    const [hopeless] = hopelessWaits(
      JSON.parse(await run(access, ['get', 'pods', '-n', namespace, '-o', 'json'], 'listing pods')),
    );
    if (hopeless) throw new StepError(hopelessWaitMessage(hopeless));
    if (Date.now() > deadline)
      throw new StepError(`Deployments not available after ${waitTimeoutMs / 1000}s`, available.stderr);
  }
}

/** Polls `<baseUrl>/readyz` until 200; bounded by serviceTimeoutMs. */
async function waitForReadyz(baseUrl: string): Promise<void> {
  const deadline = Date.now() + serviceTimeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new StepError(`${baseUrl}/readyz did not answer 200 in ${serviceTimeoutMs / 1000}s (last: ${last})`);
}

/**
 * A kubeconfig for the driver's ServiceAccount in `namespace`: the admin kubeconfig's server and CA, the
 * SA's token. The reference deploy's is `driver.kubeconfig`, another namespace's `driver-<namespace>.kubeconfig`.
 */
export async function writeDriverKubeconfig(access: ClusterAccess, namespace: string): Promise<string> {
  const token = (
    await run(
      access,
      ['create', 'token', 'zerodrop-driver', '-n', namespace, '--duration=24h'],
      'kubectl create token',
    )
  ).trim();
  const view = JSON.parse(
    await run(
      access,
      ['config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'],
      'kubectl config view',
    ),
  );
  const cluster = view.clusters[0].cluster;
  await mkdir(deployDir, { recursive: true });
  const file = path.join(
    deployDir,
    namespace === 'zerodrop' ? 'driver.kubeconfig' : `driver-${namespace}.kubeconfig`,
  );
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'zerodrop',
        cluster: {
          server: cluster.server,
          'certificate-authority-data': cluster['certificate-authority-data'],
        },
      },
    ],
    users: [{ name: 'zerodrop-driver', user: { token } }],
    contexts: [
      { name: 'zerodrop-driver', context: { cluster: 'zerodrop', user: 'zerodrop-driver', namespace } },
    ],
    'current-context': 'zerodrop-driver',
  };
  await writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}
