/**
 * Readiness on drain, the k6 side that looks. The `readiness` scenario (one VU) follows every pod's
 * readiness from the start of the load to its end:
 * - STRATEGY=none: it polls the profile's readiness path on each instance the rollout actor reports in
 *   the run's `pods` hash (pod-reports.ts), every 100 ms once the instance's deletion started, every
 *   second before;
 * - STRATEGY=rolling: it watches the Service's EndpointSlices and the Deployment's pods through
 *   k6/x/kubernetes (`watch`), each event timed when it arrived (kube-events.ts).
 * It leaves what it saw in the run key `readiness-observed`; teardown judges it (teardown.ts).
 */
import http from 'k6/http';
import type { Kubernetes } from 'k6/x/kubernetes';
import type { TargetProfile } from '../profile/profile.ts';
import { errorText, type KubeObject, kubeClient } from '../rollout/kube.ts';
import { kubeTarget } from '../rollout/kube-target.ts';
import type { RunControl } from '../run/control.ts';
import { isOver } from '../run/phase.ts';
import { maxDurationMs } from '../settings/options.ts';
import type { Config } from '../settings/registry.ts';
import { pause } from '../users/users.ts';
import { type Observed, observedKey } from './keys.ts';
import { applyPodEvent, labelSelector, ServiceEndpoints, type WatchEvent } from './kube-events.ts';
import { parsePodReports } from './pod-reports.ts';
import { probeResult, ReadinessTracker } from './tracker.ts';

const deletingPollMs = 100;
const steadyPollMs = 1000;
const watchPollMs = 200;

/** The `readiness` scenario: follows every pod's readiness until the load ends. */
export async function followReadiness(
  config: Config,
  profile: TargetProfile,
  control: RunControl,
): Promise<void> {
  const tracker = new ReadinessTracker();
  // The scenario's maxDuration stops it anyway; this bounds the loop on its own.
  const deadline = Date.now() + maxDurationMs(config);
  let source: string;
  if (config.strategy === 'none') {
    const path = profile.http.readiness?.path as string;
    source = `the readiness path ${path} of each instance`;
    await pollInstances(control, tracker, path, deadline);
  } else {
    source = `the EndpointSlices of Service ${kubeTarget(config, profile).service}`;
    await watchEndpoints(config, profile, control, tracker, deadline);
  }
  const observed: Observed = { source, endedAt: Date.now(), pods: tracker.all() };
  await control.setJson(observedKey, observed);
}

async function loadOver(control: RunControl, deadline: number): Promise<boolean> {
  return Date.now() >= deadline || isOver(Date.now(), await control.timeline(Date.now(), 500));
}

/**
 * STRATEGY=none: the actor's instances, each polled on its readiness path. Each instance's look runs on
 * its own (a slow answer from one holds up no other), and no k6 http_req_failed sample is made.
 */
async function pollInstances(
  control: RunControl,
  tracker: ReadinessTracker,
  path: string,
  deadline: number,
): Promise<void> {
  const lastLook = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
  const look = async (pod: string, url: string) => {
    // A look is timed when it went out: the VU may get to its answer late on a loaded machine.
    const sentAt = Date.now();
    lastLook.set(pod, sentAt);
    try {
      const res = await http.asyncRequest('GET', `${url}${path}`, null, {
        timeout: '2s',
        redirects: 0,
        tags: { flow: 'readiness' },
        // A probe's refusal is what it measures, not a failed request of the service's users.
        responseCallback: null as unknown as undefined,
      });
      // A timeout says nothing either way (a slow answer is not a refusal): no look.
      if (res.error_code !== 1050) tracker.probe(pod, probeResult(res.status), sentAt);
    } finally {
      inFlight.delete(pod);
    }
  };
  while (!(await loadOver(control, deadline))) {
    const reports = parsePodReports(await control.client.hgetall(control.key('pods')));
    for (const r of reports) {
      if (r.deletionStart !== null) tracker.deleting(r.pod, r.deletionStart);
      if (r.exit !== null) tracker.exited(r.pod, r.exit);
    }
    const now = Date.now();
    for (const r of reports) {
      const every = tracker.isDeleting(r.pod) ? deletingPollMs : steadyPollMs;
      if (r.url === null || inFlight.has(r.pod) || !tracker.following(r.pod)) continue;
      if (now - (lastLook.get(r.pod) ?? 0) < every) continue;
      inFlight.set(r.pod, look(r.pod, r.url));
    }
    await pause(deletingPollMs);
  }
  await Promise.all(inFlight.values());
}

/** STRATEGY=rolling: the Service's EndpointSlices and the Deployment's pods, watched. */
async function watchEndpoints(
  config: Config,
  profile: TargetProfile,
  control: RunControl,
  tracker: ReadinessTracker,
  deadline: number,
): Promise<void> {
  const kube = kubeClient(config);
  const target = kubeTarget(config, profile);
  try {
    const deployment = kube.get('Deployment.apps', target.deployment, target.namespace) as KubeObject;
    await followEndpoints(
      kube,
      {
        namespace: target.namespace,
        service: target.service,
        podSelector: labelSelector(deployment.spec?.selector?.matchLabels ?? {}),
      },
      tracker,
      () => loadOver(control, deadline),
    );
  } catch (error) {
    console.error(`readiness: ${errorText(error)}`);
  }
}

/**
 * Follows a Service's EndpointSlices and the pods `podSelector` matches into the tracker until `over()`,
 * looking at the watches' events every 200 ms. Throws when a watch cannot start (forbidden, unknown kind).
 */
export async function followEndpoints(
  kube: Kubernetes,
  target: { namespace: string; service: string; podSelector: string },
  tracker: ReadinessTracker,
  over: () => Promise<boolean>,
): Promise<void> {
  const pods = kube.watch('Pod', target.namespace, { labelSelector: target.podSelector });
  const slices = kube.watch('EndpointSlice.discovery.k8s.io', target.namespace, {
    labelSelector: `kubernetes.io/service-name=${target.service}`,
  });
  const endpoints = new ServiceEndpoints();
  const reported = new Set<string>();
  const drain = () => {
    // Each mark carries its event's arrival time, so the order of the two streams does not matter.
    for (const event of pods.events() as WatchEvent[]) applyPodEvent(event, tracker);
    for (const event of slices.events() as WatchEvent[]) endpoints.apply(event, tracker);
  };
  try {
    for (;;) {
      drain();
      for (const [name, w] of [
        ['pods', pods],
        ['EndpointSlices', slices],
      ] as const) {
        const error = w.error();
        if (error !== '' && !reported.has(name)) {
          reported.add(name);
          console.error(`readiness: the watch of ${name} in ${target.namespace} ended: ${error}`);
        }
      }
      if (await over()) break;
      await pause(watchPollMs);
    }
    drain();
  } finally {
    pods.stop();
    slices.stop();
  }
}
