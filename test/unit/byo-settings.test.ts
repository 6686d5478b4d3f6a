/**
 * The settings of bring-your-own-service, checked without a cluster: MODE vs PROFILE, MANIFESTS and
 * FAULT, make image's APP/RUNTIME/TAG/ENTRY, and FAULT set on the containers that declare it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { nodeEntry, parseAppImageSettings } from '../../cluster/app-image.ts';
import { parseDeploySettings, parseManifestSettings } from '../../deploy/config.ts';
import { setFault } from '../../deploy/manifests.ts';
import { repoRoot as repo } from '../../tools/paths.ts';

describe('deploy settings', () => {
  test('MODE names the reference deploy mode; a mode given as PROFILE is refused with the fix', () => {
    assert.equal(parseDeploySettings({ MODE: 'no-resume' }).mode, 'no-resume');
    assert.equal(parseDeploySettings({ PROFILE: 'reference' }).mode, 'good');
    assert.equal(parseDeploySettings({ MODE: 'no-resume', PROFILE: 'reference' }).mode, 'no-resume');
    assert.throws(
      () => parseDeploySettings({ PROFILE: 'no-resume' }),
      /^ConfigError: PROFILE: 'no-resume' is a deploy mode of the reference service: say MODE=no-resume/,
    );
    assert.throws(() => parseDeploySettings({ MODE: 'shop' }), /MODE: unknown value 'shop'/);
  });

  test('MANIFESTS deploys yours; FAULT needs it, MODE does not go with it', () => {
    assert.equal(parseManifestSettings({}), undefined);
    assert.deepEqual(parseManifestSettings({ MANIFESTS: 'k8s/', FAULT: 'abrupt-exit' }), {
      manifests: 'k8s/',
      fault: 'abrupt-exit',
      cluster: 'embedded',
    });
    assert.throws(() => parseManifestSettings({ FAULT: 'x' }), /FAULT: applies to your own manifests only/);
    assert.throws(() => parseManifestSettings({ MANIFESTS: 'k8s/', MODE: 'good' }), /MODE: /);
    assert.throws(() => parseManifestSettings({ MANIFESTS: 'k8s/', FAULT: 'a b' }), /FAULT: expected/);
  });

  test('FAULT is set on every container that declares it, and only there', () => {
    const container = (env: { name: string; value?: string }[]) => ({ name: 'c', env });
    const objects = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app' },
        spec: {
          template: { spec: { containers: [container([{ name: 'FAULT', value: '' }]), container([])] } },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app' }, spec: {} },
    ];
    assert.equal(setFault(objects, 'memory-sessions'), 1);
    assert.deepEqual(objects[0]?.spec.template?.spec.containers[0]?.env, [
      { name: 'FAULT', value: 'memory-sessions' },
    ]);
    assert.equal(setFault([objects[1] as (typeof objects)[number]], 'x'), 0);
  });
});

describe('make image settings', () => {
  test('the runtime follows what APP is; the tag defaults to localhost/<name>:dev', () => {
    const node = parseAppImageSettings({ APP: 'examples/express-ws' }, repo);
    assert.equal(node.runtime, 'node');
    assert.equal(node.tag, 'localhost/express-ws:dev');
    const go = parseAppImageSettings({ APP: 'test/cluster/fixtures/hello-go' }, repo);
    assert.equal(go.runtime, 'static');
    assert.equal(go.tag, 'localhost/hello-go:dev');
  });

  test('a bad APP, RUNTIME or TAG is one line naming it', () => {
    assert.throws(() => parseAppImageSettings({}, repo), /^ConfigError: APP: is required/);
    assert.throws(() => parseAppImageSettings({ APP: 'no/such/dir' }, repo), /APP: .* does not exist/);
    assert.throws(
      () => parseAppImageSettings({ APP: 'examples/express-ws', RUNTIME: 'python' }, repo),
      /RUNTIME: unknown value 'python'/,
    );
    for (const TAG of ['express-ws:dev', 'localhost/Express:dev', 'localhost/express-ws'])
      assert.throws(
        () => parseAppImageSettings({ APP: 'examples/express-ws', TAG }, repo),
        /TAG: expected a fully qualified/,
      );
    assert.equal(
      parseAppImageSettings(
        { APP: 'examples/express-ws', TAG: 'registry.example.com:5000/team/app:v1.2' },
        repo,
      ).tag,
      'registry.example.com:5000/team/app:v1.2',
    );
  });

  test("node's entry: ENTRY, else package.json's main, else the start script's file", () => {
    assert.equal(nodeEntry(path.join(repo, 'examples/express-ws'), undefined), 'server.js');
    assert.equal(nodeEntry(path.join(repo, 'examples/socketio'), undefined), 'src/server.js');
    assert.equal(nodeEntry(path.join(repo, 'examples/socketio'), './src/feed.js'), 'src/feed.js');
    assert.throws(
      () => nodeEntry(path.join(repo, 'examples/socketio'), '../x.js'),
      /ENTRY: must be a file inside/,
    );
    assert.throws(
      () => nodeEntry(path.join(repo, 'examples/socketio'), 'nope.js'),
      /ENTRY: .* does not exist/,
    );
  });
});
