/**
 * A fleet of service processes (the reference service, or an example's command) behind nginx, rolled like a Deployment with maxSurge 1 and
 * maxUnavailable 0: each replica slot owns two endpoint ports that nginx balances over; a rollout starts
 * the new instance behind the slot's idle endpoint, waits until it is ready, removes the old endpoint
 * (no new connections), waits the preStop delay, then SIGTERMs the old instance and waits for it to exit.
 * Instances are named pod-<n> so failures are attributed; their lifecycle (created, ready with the
 * instance's own URL, terminating = endpoint removed, gone = exited) is logged for the report's pod lanes
 * and for readiness on drain, which polls each instance's readiness path at its own URL.
 */
import { type AppProcess, type StartAppOptions, startApp } from './app-process.ts';
import { type Endpoint, startEndpoint } from './endpoint.ts';
import { freePort } from './free-port.ts';
import { type Nginx, startNginx } from './nginx.ts';

/** Exit codes of an instance that shut down as asked: 0, 1, and a JVM's 143 (128 + SIGTERM, handled). */
const cleanExitCodes = [0, 1, 143];

export interface FleetOptions {
  replicas: number;
  env: Record<string, string>;
  /** How to start one instance; default the bundled reference service. */
  service?: Pick<StartAppOptions, 'command' | 'cwd' | 'readyPath' | 'readyTimeoutMs'>;
  /** Delay between the endpoint update and SIGTERM (the preStop sleep). */
  preStopMs?: number;
  /** Longest an old instance may take to exit after SIGTERM. */
  exitTimeoutMs?: number;
}

/** One lifecycle event of an instance (the `pods` fields of validator/rollout/strategies/none.ts). */
export interface PodEventRecord {
  pod: string;
  event: 'created' | 'ready' | 'terminating' | 'gone';
  at: number;
  /** On `ready`: where the instance answers itself, not through nginx. */
  url?: string;
}

export interface Fleet {
  readonly url: string;
  readonly nginx: Nginx;
  instances(): AppProcess[];
  /** Every lifecycle event so far, oldest first. */
  podEvents(): readonly PodEventRecord[];
  /** Replaces every instance once; returns how many were replaced. */
  rollingRestart(): Promise<number>;
  stop(): Promise<void>;
}

interface Pod {
  name: string;
  app: AppProcess;
  endpoint: Endpoint;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const slots: [number, number][] = [];
  for (let i = 0; i < options.replicas; i++) slots.push([await freePort(), await freePort()]);
  let counter = 0;
  const events: PodEventRecord[] = [];
  const log = (pod: string, event: PodEventRecord['event'], url?: string) =>
    events.push({ pod, event, at: Date.now(), ...(url ? { url } : {}) });
  const start = async (endpointPort: number): Promise<Pod> => {
    counter++;
    const name = `pod-${counter}`;
    log(name, 'created');
    const app = await startApp({
      entry: 'dist/app/server.cjs',
      ...options.service,
      env: { POD_NAME: name, VERSION: `v${counter}`, ...options.env },
    });
    try {
      const pod = { name, app, endpoint: await startEndpoint(endpointPort, app.port) };
      log(name, 'ready', app.url);
      return pod;
    } catch (error) {
      await app.stop();
      throw error;
    }
  };
  const live: Pod[] = [];
  const stopped: Pod[] = [];
  try {
    for (const [port] of slots) live.push(await start(port));
  } catch (error) {
    await Promise.all(live.map((p) => p.app.stop()));
    throw error;
  }
  const nginx = await startNginx(slots.flat());

  return {
    url: nginx.url,
    nginx,
    instances: () => live.map((p) => p.app),
    podEvents: () => events,
    async rollingRestart() {
      let replaced = 0;
      for (const [slot, old] of [...live].entries()) {
        const [a, b] = slots[slot] as [number, number];
        live[slot] = await start(old.endpoint.port === a ? b : a);
        // From here the old instance is stop()'s to end, whatever fails below (an exit timeout throws
        // with the instance still running).
        stopped.push(old);
        old.endpoint.remove();
        log(old.name, 'terminating');
        await new Promise((r) => setTimeout(r, options.preStopMs ?? 1000));
        old.app.signal('SIGTERM');
        const exit = await old.app.waitForExit(options.exitTimeoutMs ?? 30_000);
        log(old.name, 'gone');
        old.endpoint.close();
        if (exit.signal === null && exit.code !== null && !cleanExitCodes.includes(exit.code)) {
          throw new Error(`instance on port ${old.app.port} exited with ${exit.code}:\n${old.app.output()}`);
        }
        replaced++;
      }
      return replaced;
    },
    async stop() {
      await nginx.stop();
      for (const pod of [...live, ...stopped]) pod.endpoint.close();
      await Promise.all([...live, ...stopped].map((p) => p.app.stop()));
    },
  };
}
