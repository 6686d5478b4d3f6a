/**
 * Pod lifecycle events for the report's pod lanes, from the pod objects the rollout driver lists while it
 * follows a rollout: created, ready, unready (after having been ready), terminating (the deletion
 * request: deletionTimestamp less the grace period) and gone (first listing without it). Each event is
 * recorded once per pod, as `<pod>|<event>` → epoch ms in the run's `pods` hash; STRATEGY=none actors
 * write the same fields (strategy-none.ts). Pure: no k6 imports.
 */

export const podEvents = ['created', 'ready', 'unready', 'terminating', 'gone'] as const;

/** Where the pod lifecycle events seen while following a rollout go (the report's pod lanes). */
export type PodEventSink = (fields: Record<string, number>) => Promise<void>;
export type PodEvent = (typeof podEvents)[number];

export interface PodObject {
  metadata?: {
    name?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

/** What one pod object says about its lifecycle, in epoch ms. */
export function lifecycleOf(pod: PodObject): Partial<Record<Exclude<PodEvent, 'gone'>, number>> {
  const time = (text: string | undefined) => {
    const t = text === undefined ? Number.NaN : Date.parse(text);
    return Number.isFinite(t) ? t : undefined;
  };
  const out: Partial<Record<PodEvent, number>> = {};
  const created = time(pod.metadata?.creationTimestamp);
  if (created !== undefined) out.created = created;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const changed = time(ready?.lastTransitionTime);
  if (ready && changed !== undefined) out[ready.status === 'True' ? 'ready' : 'unready'] = changed;
  const deletion = time(pod.metadata?.deletionTimestamp);
  if (deletion !== undefined)
    out.terminating = deletion - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return out;
}

/** Turns successive pod listings into the events not recorded yet. */
export class PodEventLog {
  private readonly recorded = new Map<string, Set<PodEvent>>();

  /** The new `<pod>|<event>` fields (epoch ms) that `pods`, listed at `now`, show. */
  observe(pods: readonly PodObject[], now: number): Record<string, number> {
    const fields: Record<string, number> = {};
    const present = new Set<string>();
    const add = (name: string, event: PodEvent, at: number) => {
      const events = this.recorded.get(name) ?? new Set();
      this.recorded.set(name, events);
      if (events.has(event)) return;
      events.add(event);
      fields[`${name}|${event}`] = at;
    };
    for (const pod of pods) {
      const name = pod.metadata?.name;
      if (!name) continue;
      present.add(name);
      const life = lifecycleOf(pod);
      if (life.created !== undefined) add(name, 'created', life.created);
      if (life.ready !== undefined) add(name, 'ready', life.ready);
      // Not ready before its first ready is a pod starting, not one leaving.
      if (life.unready !== undefined && this.recorded.get(name)?.has('ready'))
        add(name, 'unready', life.unready);
      if (life.terminating !== undefined) add(name, 'terminating', life.terminating);
    }
    for (const [name, events] of this.recorded)
      if (!present.has(name) && !events.has('gone')) add(name, 'gone', now);
    return fields;
  }
}

/** Each pod's events (`<pod>|<event>` → epoch ms) from the `pods` hash. */
export type PodEvents = Record<string, Partial<Record<PodEvent, number>>>;

export function parsePods(hash: Record<string, string>): PodEvents {
  const pods: PodEvents = {};
  for (const [field, value] of Object.entries(hash)) {
    const cut = field.lastIndexOf('|');
    const at = Number(value);
    if (cut <= 0 || !Number.isFinite(at)) continue;
    const pod = field.slice(0, cut);
    pods[pod] = { ...pods[pod], [field.slice(cut + 1)]: at };
  }
  return pods;
}
