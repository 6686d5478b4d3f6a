/**
 * One failure, recorded once: the invariant's k6 counter (tagged with where it happened, plus any extra
 * tags such as the status or close code) and the run's breakdown row with its cause, from one typed key.
 */
import type { Attribution, Control } from '../run/control.ts';
import type { EventInvariant } from './invariants.ts';
import { failureCounters } from './metrics.ts';

export interface FailureOptions {
  /** How many failures this one event stands for (e.g. messages lost in one gap). Default 1. */
  count?: number;
  /** Extra metric tags (status, code, error_code). */
  tags?: Record<string, string>;
}

export async function fail(
  control: Control,
  invariant: EventInvariant,
  at: Attribution,
  detail?: string,
  options: FailureOptions = {},
): Promise<void> {
  failureCounters[invariant].add(options.count ?? 1, { ...at, ...options.tags });
  await control.recordFailure(invariant, at, Date.now(), detail);
}
