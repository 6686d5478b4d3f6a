/**
 * Bring your own service to the embedded cluster, the way a user does it: `make image` packs a service
 * from its folder (no Docker), `make deploy MANIFESTS=…` applies its own manifests, `make validate
 * PROFILE=<its profile>.json` finds the target from the profile and the cluster and validates a real
 * rolling update. For each foreign example (test/support/examples.ts) the healthy build passes and one
 * fault fails on its invariant; a static Go binary is packed, deployed from a plain YAML file and
 * answers; a deploy whose image is missing stops at once and leaves nothing behind; and the reference
 * service's deploy mode (MODE) no longer collides with the target profile (PROFILE).
 * ZD_MODES=static,express-ws,express-ws:memory-sessions,socketio,socketio:abrupt-exit,spring-session,
 * spring-session:memory-sessions,missing-image,mode narrows the run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAppImageSettings } from '../../cluster/app-image.ts';
import { clusterUp, imageApp, loadImages } from '../../cluster/cluster.ts';
import { imageNames } from '../../cluster/images-load.ts';
import { nodeLayout } from '../../cluster/node-layout.ts';
import { clusterAccess } from '../../deploy/access.ts';
import { deployManifests } from '../../deploy/manifests.ts';
import { validate } from '../../deploy/validate.ts';
import { repoRoot as repo } from '../../tools/paths.ts';
import { Status } from '../../tools/status.ts';
import { newRunId } from '../../validator/run/run-id.ts';
import { detections } from '../support/detections.ts';
import { examples, type Fault } from '../support/examples.ts';
import { judge, printMatrix } from './matrix.ts';

const fixture = path.join(repo, 'test/cluster/fixtures/hello-go');
const only = process.env.ZD_MODES?.split(',');
const selected = (name: string) => !only || only.includes(name);
const status = () => new Status(process.stdout);

/**
 * How each example is packed and which fault it proves on the cluster (every fault is proven without
 * Kubernetes): one per stack, the JVM's jar packed with RUNTIME=java.
 */
const plans: Record<string, { app: string; fault: Fault }> = {
  'express-ws': { app: 'examples/express-ws', fault: 'memory-sessions' },
  socketio: { app: 'examples/socketio', fault: 'abrupt-exit' },
  'spring-session': {
    app: 'examples/spring-session/target/spring-session-example.jar',
    fault: 'memory-sessions',
  },
};
const planned = (name: string) => name in plans;

const run = {
  ROLLOUTS: '1',
  HTTP_USERS: '60',
  WS_USERS: '40',
  BASELINE: '6s',
  COOLDOWN: '5s',
  HTTP_PACE: '500ms',
  ORDER_INTERVAL: '1s',
  LOGOUT_SHARE: '0.2',
  NEGATIVE_AUTH_SHARE: '0.2',
  ROLLOUT_TIMEOUT: '3m',
};

const timings: string[] = [];
async function timed<T>(what: string, action: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  try {
    return await action();
  } finally {
    timings.push(`${what}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  }
}

async function kubectl(args: string[]) {
  const access = await clusterAccess({ cluster: 'embedded' });
  return access.sh`${access.kubectl} ${args}`.nothrow();
}

async function deleteNamespace(namespace: string): Promise<void> {
  await kubectl(['delete', 'pods', '--all', '-n', namespace, '--grace-period=0', '--force', '--wait=false']);
  // Not waited for: the pods are gone at once, and the namespace's own finalization takes ~30 s.
  await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
}

/** `node deploy/cli.ts <command>` as `make <command>` runs it: its exit code and its output. */
function cli(command: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'deploy/cli.ts', command], {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('bring your own service to the embedded cluster', { concurrency: 1 }, () => {
  before(
    async () => {
      await clusterUp(status());
      await loadImages(status()); // the Redis image the examples' manifests use
    },
    { timeout: 5 * 60_000 },
  );
  after(() => {
    printMatrix();
    if (timings.length > 0) console.log(`\nTimings\n  ${timings.join('\n  ')}`);
  });

  test('RUNTIME=static: a CGO_ENABLED=0 Go program is packed, deployed from a YAML file, answers; a second deploy changes nothing', {
    skip: !selected('static'),
    timeout: 3 * 60_000,
  }, async () => {
    const built = await timed('make image APP=hello-go (static, go build included)', () =>
      imageApp(status(), parseAppImageSettings({ APP: fixture }, repo)),
    );
    assert.deepEqual(built.entrypoint, ['/app/hello-go']);
    const manifests = path.join(fixture, 'k8s.yaml');
    const first = await timed('make deploy MANIFESTS=hello-go/k8s.yaml', () =>
      deployManifests({ manifests, fault: undefined, cluster: 'embedded' }, status()),
    );
    const port = first.nodePorts['zd-hello-go/hello-go'];
    assert.ok(port, JSON.stringify(first.nodePorts));
    const body = (await (
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5_000) })
    ).json()) as { hello: string; pod: string; roots: number };
    assert.equal(body.hello, 'go');
    assert.match(body.pod, /^hello-go-/);
    assert.ok(body.roots > 0, 'the image carries the CA certificates');
    const generation = async () =>
      (
        await kubectl([
          'get',
          'deployment',
          'hello-go',
          '-n',
          'zd-hello-go',
          '-o',
          'jsonpath={.metadata.generation}',
        ])
      ).stdout;
    const before = await generation();
    await deployManifests({ manifests, fault: undefined, cluster: 'embedded' }, status());
    assert.equal(await generation(), before, 'the same manifests again roll nothing');
    await deleteNamespace('zd-hello-go');
  });

  test('a deploy whose image the node lacks stops at once, naming it, and leaves nothing behind', {
    skip: !selected('missing-image'),
    timeout: 3 * 60_000,
  }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'zd-missing-'));
    const yaml = (await readFile(path.join(fixture, 'k8s.yaml'), 'utf8'))
      .replaceAll('zd-hello-go', 'zd-missing-image')
      .replace('localhost/hello-go:dev', 'localhost/never-built:v0');
    await writeFile(path.join(dir, 'k8s.yaml'), yaml);
    const startedAt = Date.now();
    const result = await cli('deploy', { MANIFESTS: path.join(dir, 'k8s.yaml') });
    assert.equal(result.code, 1, result.output);
    assert.match(
      result.output,
      /IMAGE: localhost\/never-built:v0 cannot start in pod hello-go-\S+ \(ErrImageNeverPull\)/,
    );
    assert.match(result.output, /✓ Undoing this deploy/);
    assert.ok(Date.now() - startedAt < 90_000, `took ${Date.now() - startedAt} ms (the wait is 180 s)`);
    const ns = await kubectl(['get', 'namespace', 'zd-missing-image']);
    assert.match(ns.stderr, /NotFound/, 'the namespace this deploy created is gone');
    await rm(dir, { recursive: true, force: true });
  });

  for (const example of examples.filter((e) => planned(e.name))) {
    const { app, fault } = plans[example.name] as { app: string; fault: Fault };
    const namespace = `zd-${example.name}`;
    const manifests = path.join(repo, 'examples', example.name, 'k8s');
    const deployAndValidate = async (faultName: Fault | undefined) => {
      await timed(
        `make deploy MANIFESTS=examples/${example.name}/k8s${faultName ? ` FAULT=${faultName}` : ''}`,
        () => deployManifests({ manifests, fault: faultName, cluster: 'embedded' }, status()),
      );
      return timed(
        `make validate PROFILE=examples/${example.name}/zerodrop.json (${faultName ?? 'healthy'})`,
        () =>
          validate({
            PROFILE: example.profile,
            RUN_ID: newRunId(`e2e-${example.name}-${faultName ?? 'healthy'}`),
            ...run,
          }),
      );
    };

    describe(example.name, { concurrency: 1 }, () => {
      after(() => deleteNamespace(namespace));

      test(`make image + deploy + validate: the healthy build passes a real rolling update`, {
        skip: !selected(example.name),
        timeout: 6 * 60_000,
      }, async () => {
        await timed(`make image APP=${app}`, () =>
          imageApp(status(), parseAppImageSettings({ APP: app }, repo)),
        );
        const result = await deployAndValidate(undefined);
        judge(example.name, 'healthy', [], result);
      });

      test(`FAULT=${fault} fails on ${example.faults[fault].join(' or ')}`, {
        skip: !selected(`${example.name}:${fault}`),
        timeout: 6 * 60_000,
      }, async () => {
        const settings = parseAppImageSettings({ APP: app }, repo);
        if (!(await imageNames(nodeLayout())).has(settings.tag)) await imageApp(status(), settings);
        const result = await deployAndValidate(fault);
        judge(example.name, fault, example.faults[fault], result);
      });
    });
  }

  test('make deploy MODE=no-resume, then make validate PROFILE=reference: the mode is deployed and caught', {
    skip: !selected('mode'),
    timeout: 6 * 60_000,
  }, async () => {
    const collision = await cli('deploy', { PROFILE: 'no-resume', MODE: '' });
    assert.equal(collision.code, 2, collision.output);
    assert.match(
      collision.output,
      /PROFILE: 'no-resume' is a deploy mode of the reference service: say MODE=no-resume/,
    );
    const deployed = await timed('make deploy MODE=no-resume', () =>
      cli('deploy', { MODE: 'no-resume', PROFILE: '' }),
    );
    assert.equal(deployed.code, 0, deployed.output);
    const result = await timed('make validate PROFILE=reference (no-resume)', () =>
      validate({ PROFILE: 'reference', RUN_ID: newRunId('e2e-mode-no-resume'), ...run }),
    );
    judge('reference', 'MODE=no-resume', detections['no-resume'], result);
  });
});
