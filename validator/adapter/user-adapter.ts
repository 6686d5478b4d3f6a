/**
 * The adapter bundled into this script (adapter-module.ts), checked once in the init context by
 * loadSettings (settings.ts): its hooks, and what it takes over from the profile.
 */

import type { AdapterUse } from '../profile/profile.ts';
import { type Adapter, adapterError, checkAdapter } from './adapter.ts';
import { adapterModule, adapterSource } from './adapter-module.ts';

const checked = checkAdapter(adapterModule);

/** The adapter's hooks; empty without an adapter (or before its check stopped the run). */
export const adapter: Adapter = checked.adapter;

/** What the adapter takes over, for the profile check; undefined without an adapter. Throws a one-line error for a bad module. */
export function adapterUse(): AdapterUse | undefined {
  if (checked.problems.length > 0) throw new Error(adapterError(adapterSource, checked.problems));
  if (!adapterSource) return undefined;
  return {
    source: adapterSource,
    login: adapter.login !== undefined,
    identity: adapter.identity !== undefined,
    frames: adapter.classify ? (adapter.frames ?? []) : null,
    resume: adapter.resume !== undefined,
    order: adapter.order !== undefined,
  };
}
