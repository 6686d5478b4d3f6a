/**
 * The embedded cluster as the end-to-end tests use it: brought up (idempotently), images loaded, the
 * reference service deployed (MODE=good). Then the node, cluster DNS, the NodePort on 127.0.0.1,
 * the apiserver → kubelet path, the rollout driver's RBAC (every verb it must not have) and the
 * namespace's Pod Security enforcement are checked against the real thing, and
 * a deploy without its images fails at once, naming the image.
 * Leaves the cluster up for e2e-*.test.ts; teardown.test.ts takes it down at the end of make test-cluster.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { $ } from 'zx';
import { builtBinDir } from '../../cluster/binary-cache.ts';
import { clusterUp, loadImages } from '../../cluster/cluster.ts';
import { SERVICE_CIDR } from '../../cluster/control-plane.ts';
import { resolveInCluster } from '../../cluster/dns.ts';
import { ctr } from '../../cluster/node/containerd.ts';
import { BRIDGE, nodeLayout } from '../../cluster/node-layout.ts';
import { deploy } from '../../deploy/deploy.ts';
import { type DeployedTarget, readTarget } from '../../deploy/target.ts';
import { Status } from '../../tools/status.ts';
import { assertExactRights, strategyRights } from './rbac.ts';

const layout = nodeLayout();
const namespace = 'zerodrop';
let kubectlBin = '';
let target: DeployedTarget;

const kubectl = (kubeconfig = layout.adminKubeconfig) =>
  $({ env: { ...process.env, KUBECONFIG: kubeconfig }, quiet: true, nothrow: true, timeout: '30s' });

async function getJson<T>(args: string[]): Promise<T> {
  const out = await kubectl()`${kubectlBin} ${args} -o json`;
  assert.equal(out.exitCode, 0, out.stderr);
  return out.json() as T;
}

/** The pid of every cluster component, from its pid file. */
function componentPids(): Record<string, string> {
  const pids: Record<string, string> = {};
  for (const dir of [path.join(layout.controlPlaneDir, 'pids'), layout.pidDir]) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) pids[file] = readFileSync(path.join(dir, file), 'utf8').trim();
  }
  return pids;
}

describe('the embedded cluster', { concurrency: 1 }, () => {
  before(
    async () => {
      const status = new Status(process.stdout);
      await clusterUp(status);
      await loadImages(status);
      await deploy({ mode: 'good', layout: 'rolling', cluster: 'embedded' }, status);
      kubectlBin = path.join(await builtBinDir(), 'kubectl');
      target = readTarget();
    },
    { timeout: 10 * 60_000 },
  );

  test('the node is Ready, on containerd with the built kubelet', async () => {
    const node = await getJson<{
      status: { conditions: { type: string; status: string }[]; nodeInfo: Record<string, string> };
    }>(['get', 'node', layout.nodeName]);
    assert.equal(node.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.match(node.status.nodeInfo.containerRuntimeVersion ?? '', /^containerd:\/\//);
    const versions = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../cluster/versions.json'), 'utf8'),
    );
    assert.equal(node.status.nodeInfo.kubeletVersion, versions.kubernetes);
  });

  test('every Deployment is available', async () => {
    const list = await getJson<{
      items: {
        metadata: { name: string };
        spec: { replicas: number };
        status: { availableReplicas?: number };
      }[];
    }>(['get', 'deployments', '-n', namespace]);
    assert.deepEqual(
      list.items.map((d) => [d.metadata.name, d.status.availableReplicas ?? 0]).sort(),
      list.items.map((d) => [d.metadata.name, d.spec.replicas]).sort(),
    );
  });

  test('cluster DNS resolves the redis Service to its ClusterIP', async () => {
    const service = await getJson<{ spec: { clusterIP: string } }>([
      'get',
      'service',
      'redis',
      '-n',
      namespace,
    ]);
    assert.deepEqual(await resolveInCluster(`redis.${namespace}.svc.cluster.local`), [
      service.spec.clusterIP,
    ]);
  });

  test('ClusterIPs stay on this machine: programmed ones answer, unprogrammed ones fail fast', async () => {
    const route = (await $`ip -j route show ${SERVICE_CIDR}`).stdout;
    assert.deepEqual(
      (JSON.parse(route) as { dev: string }[]).map((r) => r.dev),
      [BRIDGE],
    );
    const app = await getJson<{ spec: { clusterIP: string; ports: { port: number }[] } }>([
      'get',
      'service',
      'session-app',
      '-n',
      namespace,
    ]);
    const url = `http://${app.spec.clusterIP}:${app.spec.ports[0]?.port}/readyz`;
    assert.equal((await fetch(url, { signal: AbortSignal.timeout(5_000) })).status, 200);
    // An address no Service holds: nothing on the bridge answers, and no answer comes from outside.
    await assert.rejects(fetch('http://10.96.255.254:80/', { signal: AbortSignal.timeout(5_000) }));
  });

  test('the NodePort answers on 127.0.0.1, and /readyz is 200 (pods reach redis://redis:6379 by name)', async () => {
    assert.match(target.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${target.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(response.status, 200, await response.text());
  });

  test('kubectl logs reaches the kubelet (the apiserver has a kubelet client certificate)', async () => {
    const out = await kubectl()`${kubectlBin} logs -n ${namespace} deployment/redis --tail=50`;
    assert.equal(out.exitCode, 0, out.stderr);
    assert.match(out.stdout, /Ready to accept connections/);
  });

  test('the rolling driver may get and patch Deployments and watch pods and EndpointSlices in zerodrop, and nothing more', {
    timeout: 3 * 60_000,
  }, async () => {
    await assertExactRights(target.driverKubeconfig, namespace, strategyRights('rolling', namespace));
  });

  test('the namespace enforces the restricted Pod Security profile, which the reference service meets', async () => {
    const ns = await getJson<{ metadata: { labels: Record<string, string> } }>([
      'get',
      'namespace',
      namespace,
    ]);
    assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    // The service's pods were admitted (every Deployment is available, above); a root pod is not.
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root-probe', namespace },
      spec: { containers: [{ name: 'c', image: 'localhost/pause:3.10-zerodrop' }] },
    };
    const out = await $({
      env: { ...process.env, KUBECONFIG: layout.adminKubeconfig },
      input: JSON.stringify(pod),
      quiet: true,
      nothrow: true,
      timeout: '30s',
    })`${kubectlBin} create --dry-run=server -f -`;
    assert.notEqual(out.exitCode, 0, out.stdout);
    assert.match(out.stderr, /violates PodSecurity "restricted:latest"/);
  });

  test('deploy stops at once, naming the image, when the node lacks one (make images brings it back)', {
    timeout: 5 * 60_000,
  }, async () => {
    await ctr(layout, ['images', 'rm', 'localhost/zerodrop/redis:7'], 'removing an image');
    const startedAt = Date.now();
    await assert.rejects(
      deploy({ mode: 'good', layout: 'rolling', cluster: 'embedded' }, new Status(process.stdout)),
      /^StepError: IMAGE: localhost\/zerodrop\/redis:7 cannot start in pod redis-\S+ \(ErrImageNeverPull\)/,
    );
    assert.ok(Date.now() - startedAt < 90_000, `took ${Date.now() - startedAt} ms (the wait is 180 s)`);
    await loadImages(new Status(process.stdout));
    await deploy({ mode: 'good', layout: 'rolling', cluster: 'embedded' }, new Status(process.stdout));
  });

  test('cluster-up again is quick and changes nothing', { timeout: 60_000 }, async () => {
    const pids = componentPids();
    const startedAt = Date.now();
    await clusterUp(new Status(process.stdout));
    assert.ok(Date.now() - startedAt < 20_000, `re-run took ${Date.now() - startedAt} ms`);
    assert.deepEqual(componentPids(), pids);
    assert.equal(Object.keys(pids).length, 8);
  });
});
