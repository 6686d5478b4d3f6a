/**
 * What a STRATEGY=none rollout actor reports of each instance in the run's `pods` hash (strategies/none.ts,
 * docs/strategies.md): its lifecycle events, of which readiness on drain reads `terminating` (its
 * deletion start) and `gone` (its exit), and `<pod>|url`, where the instance answers itself. Pure.
 */
import { parsePods } from '../rollout/pod-events.ts';

/** One instance as the actor reported it. Times in epoch ms; null where not (yet) reported. */
export interface PodReport {
  pod: string;
  /** Where the instance itself answers (its readiness path is polled there), e.g. http://10.0.0.7:8080. */
  url: string | null;
  deletionStart: number | null;
  exit: number | null;
}

export function parsePodReports(hash: Record<string, string>): PodReport[] {
  const events = parsePods(hash);
  const urls = new Map<string, string>();
  for (const [field, value] of Object.entries(hash)) {
    if (field.endsWith('|url') && field.length > 4 && /^https?:\/\/\S+$/.test(value))
      urls.set(field.slice(0, -4), value.replace(/\/+$/, ''));
  }
  return [...new Set([...Object.keys(events), ...urls.keys()])].map((pod) => ({
    pod,
    url: urls.get(pod) ?? null,
    deletionStart: events[pod]?.terminating ?? null,
    exit: events[pod]?.gone ?? null,
  }));
}
