/**
 * k8s/k6-operator: upstream's files are the pinned module's own, byte for byte; the kustomization builds;
 * the images the manifests name are the ones operator/images.ts builds (a k6 or operator pin bump that
 * forgets a manifest fails here); the TestRun is the one the docs describe.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { YAML } from 'zx';
import { toolPins } from '../../build/tool-paths.ts';
import { builtBinDir } from '../../cluster/binary-cache.ts';
import { managerImage, runnerImage } from '../../operator/images.ts';
import { readTestRun, testRunFor } from '../../operator/testrun.ts';
import { repoRoot as repo } from '../../tools/paths.ts';

const upstream = join(repo, 'k8s/k6-operator/upstream');

/** Where each vendored file comes from in the module, under config/. */
const sources: Record<string, string> = {
  'k6.io_testruns.yaml': 'crd/bases/k6.io_testruns.yaml',
  'k6.io_privateloadzones.yaml': 'crd/bases/k6.io_privateloadzones.yaml',
  'validation_in_privateloadzones.yaml': 'crd/patches/validation_in_privateloadzones.yaml',
  'role.yaml': 'rbac/role.yaml',
};

test('upstream/ is the pinned k6-operator module source, byte for byte', () => {
  const pin = toolPins()['k6-operator'];
  assert.ok(pin);
  const out = spawnSync('go', ['mod', 'download', '-json', `${pin.module}@${pin.version}`], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' },
  });
  assert.equal(out.status, 0, out.stdout + out.stderr);
  const dir = (JSON.parse(out.stdout) as { Dir: string }).Dir;
  assert.deepEqual(readdirSync(upstream).sort(), Object.keys(sources).sort());
  for (const [file, source] of Object.entries(sources)) {
    assert.ok(
      readFileSync(join(upstream, file)).equals(readFileSync(join(dir, 'config', source))),
      `${file} differs from ${pin.module}@${pin.version} config/${source}`,
    );
  }
});

test('the kustomization builds: namespace, both CRDs (PLZ patched), RBAC, the manager on the built image', async () => {
  const kubectl = join(await builtBinDir(), 'kubectl');
  const out = spawnSync(kubectl, ['kustomize', join(repo, 'k8s/k6-operator')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(out.status, 0, out.stderr);
  const docs = YAML.parseAllDocuments(out.stdout).map((d) => d.toJS());
  const names = docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
  assert.deepEqual(names, [
    'ClusterRole/k6-operator-manager-role',
    'ClusterRoleBinding/k6-operator-manager',
    'CustomResourceDefinition/privateloadzones.k6.io',
    'CustomResourceDefinition/testruns.k6.io',
    'Deployment/k6-operator-controller-manager',
    'Namespace/k6-operator-system',
    'ServiceAccount/k6-operator-controller',
  ]);
  const plz = docs.find((d) => d.metadata.name === 'privateloadzones.k6.io');
  const podSpec =
    plz.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.podTemplate.properties.spec;
  assert.equal(podSpec.properties.containers.maxItems, 1);
  const manager = docs.find((d) => d.kind === 'Deployment').spec.template.spec.containers[0];
  assert.equal(manager.image, managerImage);
  assert.equal(manager.imagePullPolicy, 'Never');
  const binding = docs.find((d) => d.kind === 'ClusterRoleBinding');
  assert.equal(binding.roleRef.name, 'k6-operator-manager-role');
});

test('the TestRun: 2 runners on the built runner image, the driver account, in-cluster service and Redis', () => {
  const run = readTestRun() as unknown as {
    spec: {
      parallelism: number;
      runner: {
        image: string;
        imagePullPolicy: string;
        serviceAccountName: string;
        env: { name: string; value: string }[];
      };
      starter: { image: string };
      script: { configMap: { name: string; file: string } };
    };
  };
  assert.equal(run.spec.parallelism, 2);
  assert.equal(run.spec.runner.image, runnerImage);
  assert.equal(run.spec.runner.imagePullPolicy, 'Never');
  assert.equal(run.spec.starter.image, runnerImage);
  assert.equal(run.spec.runner.serviceAccountName, 'zerodrop-driver');
  const env = Object.fromEntries(run.spec.runner.env.map((e) => [e.name, e.value]));
  assert.equal(env.BASE_URL, 'http://session-app.zerodrop.svc');
  assert.equal(env.REDIS_URL, 'redis://redis.zerodrop.svc:6379');
  assert.ok(env.RUN_ID, 'RUN_ID is fixed, so both runners share the run');
  assert.deepEqual(run.spec.script.configMap, { name: 'zerodrop-script', file: 'zero-downtime.js' });
});

test('testRunFor sets one RUN_ID everywhere the TestRun names it', () => {
  const rendered = testRunFor('op-xyz');
  assert.equal(rendered.match(/"RUN_ID","value":"op-xyz"/g)?.length, 2);
  assert.doesNotMatch(rendered, /operator-run/);
});
