import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ColorState,
  colorDeployment,
  colorService,
  nextColor,
  planRepair,
  type RainbowState,
  rainbowOfLabel,
} from '../../validator/rollout/strategies/rainbow-plan.ts';

const color = (name: string, born: number, available = 3, desired = 3): ColorState => ({
  color: name,
  deployment: `app-${name}`,
  born,
  desired,
  available,
});

const state = (
  selected: string | null,
  colors: ColorState[],
  services = colors.map((c) => `app-${c.color}`),
): RainbowState => ({
  base: 'app',
  selected,
  colors,
  colorServices: services,
});

describe('nextColor', () => {
  test('takes the first palette color not alive', () => {
    assert.equal(nextColor([]), 'blue');
    assert.equal(nextColor(['blue']), 'green');
    assert.equal(nextColor(['green']), 'blue');
  });
  test('fails with a message naming MAX_COLORS when the palette is exhausted', () => {
    const all = ['blue', 'green', 'amber', 'violet', 'teal', 'coral', 'indigo', 'lime', 'rose', 'slate'];
    assert.throws(() => nextColor(all), /MAX_COLORS/);
  });
});

describe('planRepair', () => {
  test('a consistent cluster needs nothing', () => {
    assert.deepEqual(planRepair(state('green', [color('blue', 1), color('green', 2)]), 2), []);
  });

  test('deletes the oldest colors beyond N, never the selected one', () => {
    const actions = planRepair(state('amber', [color('blue', 1), color('green', 2), color('amber', 3)]), 2);
    assert.deepEqual(actions, [
      { kind: 'delete-color', color: 'blue' },
      { kind: 'delete-service', name: 'app-blue' },
    ]);
  });

  test('keeps the selected color even when it is the oldest', () => {
    const actions = planRepair(state('blue', [color('blue', 1), color('green', 2), color('amber', 3)]), 1);
    assert.deepEqual(
      actions.map((a) => ('color' in a ? a.color : a.name)),
      ['green', 'amber', 'app-green', 'app-amber'],
    );
  });

  test('a half-made new color (interrupted before the switch) is deleted', () => {
    const actions = planRepair(state('blue', [color('blue', 1), color('green', 2, 1, 3)]), 2);
    assert.deepEqual(actions, [
      { kind: 'delete-color', color: 'green' },
      { kind: 'delete-service', name: 'app-green' },
    ]);
  });

  test('a selector pointing at a missing or unhealthy color moves to the newest healthy color', () => {
    const actions = planRepair(state('green', [color('blue', 1), color('green', 2, 0)]), 2);
    assert.deepEqual(actions[0], { kind: 'select', color: 'blue' });
    assert.ok(actions.some((a) => a.kind === 'delete-color' && a.color === 'green'));
  });

  test('an orphaned color Service is deleted', () => {
    const actions = planRepair(state('blue', [color('blue', 1)], ['app-blue', 'app-violet']), 2);
    assert.deepEqual(actions, [{ kind: 'delete-service', name: 'app-violet' }]);
  });

  test('with nothing healthy it changes nothing', () => {
    assert.deepEqual(planRepair(state('blue', [color('blue', 1, 0)]), 2), []);
  });
});

describe('color objects', () => {
  const from = {
    metadata: { name: 'app-blue', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'app', c: 'blue' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'app', c: 'blue' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'app', c: 'blue' } },
        spec: { containers: [] },
      },
    },
  };

  test('a new color Deployment carries the color in its name, labels and selector', () => {
    const d = colorDeployment(from, 'app', 'green', 'c', 42);
    assert.equal(d.metadata.name, 'app-green');
    assert.equal(d.metadata.labels.c, 'green');
    assert.equal(d.metadata.labels[rainbowOfLabel], 'app');
    assert.equal(d.metadata.annotations['zerodrop.dev/color-born'], '42');
    assert.deepEqual(d.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'app', c: 'green' });
    assert.equal(d.spec.template.metadata.labels.c, 'green');
    assert.equal(from.spec.selector.matchLabels.c, 'blue', 'the source is not modified');
  });

  test('a color Service selects that color alone on the main Service ports', () => {
    const main = {
      metadata: { name: 'app', namespace: 'ns' },
      spec: { selector: { n: 'app', c: 'blue' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    };
    const s = colorService(main, 'app', 'green', 'c');
    assert.equal(s.metadata.name, 'app-green');
    assert.deepEqual(s.spec.selector, { n: 'app', c: 'green' });
    assert.equal(s.spec.ports[0].port, 80);
  });
});
