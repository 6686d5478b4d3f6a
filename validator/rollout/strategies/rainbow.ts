/**
 * Strategy `rainbow` (N colors): deploy a new color beside the serving one, smoke-test it alone through
 * its own Service, switch the main Service's selector to it, let the old colors drain for DRAIN_WINDOW
 * (they keep their connections and get no new ones), then delete colors beyond MAX_COLORS. A failed
 * smoke test deletes the new color and leaves the selector untouched. Every step is logged as
 * `rainbow <k>: step <n>/5 …` so an interrupted run shows where it stopped; `repairRainbow` (teardown,
 * and `make rainbow-cleanup`) leaves exactly one healthy color selected and at most N alive. The colors'
 * pods are listed at every step for the report's pod lanes (a deleted color's pods show as gone at the
 * next rollout's first listing).
 */

import { sleep } from 'k6';
import http from 'k6/http';
import type { TargetProfile } from '../../profile/profile.ts';
import type { Config } from '../../settings/registry.ts';
import { login, loginFailure, unauthorizedExpected } from '../../users/users.ts';
import type { RolloutOutcome, RolloutStrategy } from '../driver.ts';
import { errorText, type KubeObject, kubeClient } from '../kube.ts';
import { kubeTarget } from '../kube-target.ts';
import { PodEventLog, type PodEventSink, type PodObject } from '../pod-events.ts';
import { deploymentView } from '../state.ts';
import {
  colorDeployment,
  colorName,
  colorService,
  colorState,
  nextColor,
  planRepair,
  type RainbowState,
  rainbowOfLabel,
} from './rainbow-plan.ts';

const pollSeconds = 0.5;
/** How many polls a new color Service gets to start answering (15 s). */
const serviceSyncAttempts = 30;

interface Target {
  kube: ReturnType<typeof kubeClient>;
  namespace: string;
  base: string;
  service: string;
  colorLabel: string;
}

function targetOf(config: Config, profile: TargetProfile): Target {
  const { namespace, deployment, service, colorLabel } = kubeTarget(config, profile);
  return { kube: kubeClient(config), namespace, base: deployment, service, colorLabel };
}

function readState(t: Target): RainbowState {
  const main = t.kube.get('Service', t.service, t.namespace) as KubeObject;
  const deployments = (t.kube.list('Deployment.apps', t.namespace) as KubeObject[]).filter(
    (d) => d.metadata?.labels?.[rainbowOfLabel] === t.base,
  );
  const services = (t.kube.list('Service', t.namespace) as KubeObject[])
    .filter((s) => s.metadata?.labels?.[rainbowOfLabel] === t.base)
    .map((s) => s.metadata?.name ?? '');
  return {
    base: t.base,
    selected: main.spec?.selector?.[t.colorLabel] ?? null,
    colors: deployments.map((d) => colorState(d, t.colorLabel)),
    colorServices: services,
  };
}

function deleteColor(t: Target, color: string): void {
  for (const kind of ['Deployment.apps', 'Service']) {
    try {
      t.kube.delete(kind, colorName(t.base, color), t.namespace);
    } catch (error) {
      if (!/\(404\)/.test(errorText(error))) throw error;
    }
  }
}

function selectColor(t: Target, color: string): void {
  t.kube.patch(
    'Service',
    t.service,
    t.namespace,
    JSON.stringify({ spec: { selector: { [t.colorLabel]: color } } }),
    'merge',
  );
}

/** Repairs an interrupted rainbow rollout; returns what it did. Idempotent. */
export function repairRainbow(config: Config, profile: TargetProfile): string[] {
  const t = targetOf(config, profile);
  const done: string[] = [];
  for (const action of planRepair(readState(t), config.maxColors)) {
    if (action.kind === 'select') selectColor(t, action.color);
    if (action.kind === 'delete-color') deleteColor(t, action.color);
    if (action.kind === 'delete-service') {
      try {
        t.kube.delete('Service', action.name, t.namespace);
      } catch (error) {
        if (!/\(404\)/.test(errorText(error))) throw error;
      }
    }
    done.push(
      action.kind === 'delete-service' ? `${action.kind} ${action.name}` : `${action.kind} ${action.color}`,
    );
  }
  return done;
}

async function waitAvailable(
  t: Target,
  name: string,
  deadline: number,
  lanes: () => Promise<void>,
): Promise<string | null> {
  while (Date.now() < deadline) {
    await lanes();
    const view = deploymentView(t.kube.get('Deployment.apps', name, t.namespace) as KubeObject);
    if (
      view.observedGeneration >= view.generation &&
      view.available >= view.desired &&
      view.updated >= view.desired
    )
      return null;
    sleep(pollSeconds);
  }
  return `deployment ${name} not available before the rollout timeout`;
}

/** Smoke test of one color through its own Service: a clean 401 without a session, then a login and identity. */
async function smokeTest(
  t: Target,
  config: Config,
  profile: TargetProfile,
  color: string,
): Promise<string | null> {
  const svc = t.kube.get('Service', colorName(t.base, color), t.namespace) as KubeObject;
  const port = svc.spec?.ports?.[0]?.port;
  const baseUrl = `http://${svc.spec?.clusterIP}:${port}`;
  const probeOnce = () =>
    http.get(`${baseUrl}${profile.http.identity.path}`, {
      jar: new http.CookieJar(),
      tags: { flow: 'smoke' },
      timeout: '5s',
      responseCallback: unauthorizedExpected(profile),
    });
  // A new Service answers once kube-proxy has programmed it (a second or so): until then connects are refused.
  let anonymous = probeOnce();
  for (let attempt = 0; anonymous.status === 0 && attempt < serviceSyncAttempts; attempt++) {
    sleep(pollSeconds);
    anonymous = probeOnce();
  }
  if (!profile.http.unauthorizedStatuses.includes(anonymous.status)) {
    return `without a session ${profile.http.identity.path} answered ${anonymous.status} ${anonymous.error ?? ''}`.trim();
  }
  const user = {
    number: 0,
    name: `${config.userPrefix ?? profile.users.prefix}smoke`,
    jar: new http.CookieJar(),
  };
  const result = await login(profile, { ...config, baseUrl }, user, { flow: 'smoke' });
  const res = result.res;
  if (!result.identity)
    return res ? `login answered ${res.status} ${res.error ?? ''}`.trim() : loginFailure(result);
  const me = http.get(`${baseUrl}${profile.http.identity.path}`, {
    jar: user.jar,
    tags: { flow: 'smoke' },
    timeout: '5s',
  });
  return me.status === 200 ? null : `identity answered ${me.status}`;
}

export function rainbowRollout(
  config: Config,
  profile: TargetProfile,
  recordPods: PodEventSink = async () => {},
): RolloutStrategy {
  const t = targetOf(config, profile);
  const podEvents = new PodEventLog();
  /** Records what the colors' pods (those carrying the color label) show now, for the report's pod lanes. */
  const lanes = async () => {
    const pods = (t.kube.list('Pod', t.namespace) as KubeObject[]).filter(
      (p) => p.metadata?.labels?.[t.colorLabel] !== undefined,
    );
    await recordPods(podEvents.observe(pods as PodObject[], Date.now()));
  };
  return async (index) => {
    const started = Date.now();
    const deadline = started + config.rolloutTimeoutMs;
    const log = (step: number, what: string) => console.log(`rainbow ${index}: step ${step}/5 ${what}`);
    const fail = (detail: string): RolloutOutcome => ({
      ok: false,
      podsReplaced: 0,
      replicas: 0,
      durationMs: Date.now() - started,
      detail,
    });
    let created: string | null = null;
    try {
      const state = readState(t);
      const current = state.selected;
      if (!current)
        return fail(`service ${t.service} selects no ${t.colorLabel}: deploy the rainbow overlay first`);
      const from = t.kube.get('Deployment.apps', colorName(t.base, current), t.namespace) as KubeObject;
      const main = t.kube.get('Service', t.service, t.namespace) as KubeObject;
      const color = nextColor(state.colors.map((c) => c.color));
      const replicas = deploymentView(from).desired;

      log(1, `deploying color ${color} beside ${current}`);
      created = color;
      t.kube.create(colorDeployment(from, t.base, color, t.colorLabel, Date.now()) as never);
      t.kube.create(colorService(main, t.base, color, t.colorLabel) as never);
      await lanes();
      const unavailable = await waitAvailable(t, colorName(t.base, color), deadline, lanes);
      if (unavailable) {
        deleteColor(t, color);
        return fail(`rainbow: ${unavailable}; deleted color ${color}, selector left on ${current}`);
      }

      log(2, `smoke-testing color ${color} through its own service`);
      const smoke = await smokeTest(t, config, profile, color);
      if (smoke) {
        deleteColor(t, color);
        return fail(
          `rainbow: smoke test of color ${color} failed (${smoke}); deleted it, selector left on ${current}`,
        );
      }

      log(3, `switching service ${t.service} from ${current} to ${color}`);
      selectColor(t, color);
      created = null;

      log(4, `draining ${current} for ${config.drainWindowMs / 1000}s`);
      const drained = Date.now() + config.drainWindowMs;
      while (Date.now() < drained) {
        await lanes();
        sleep(Math.min(pollSeconds, Math.max(0, drained - Date.now()) / 1000));
      }

      log(5, `deleting colors beyond ${config.maxColors}`);
      const deleted = repairRainbow(config, profile);
      if (deleted.length > 0) console.log(`rainbow ${index}: ${deleted.join(', ')}`);
      await lanes();
      return {
        ok: true,
        podsReplaced: replicas,
        replicas,
        durationMs: Date.now() - started,
        detail: `${current} → ${color}`,
      };
    } catch (error) {
      if (created) deleteColor(t, created);
      return fail(`rainbow: ${errorText(error)}`);
    }
  };
}
