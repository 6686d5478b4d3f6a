/**
 * The adapter bundled into this script (adapter-module.ts): its hooks, and what it takes over from the
 * profile. Checked in the init context by loadSettings (settings.ts) through adapterUse, which VU 0 runs
 * first (settings/shared.ts): a bad module stops the run there, before any hook is called.
 */

import type { AdapterUse } from '../profile/profile.ts';
import { type Adapter, adapterError, checkAdapter } from './adapter.ts';
import { adapterModule, adapterSource } from './adapter-module.ts';

/** The adapter's hooks; empty without an adapter. */
export const adapter: Adapter = adapterModule as Adapter;

/** What the adapter takes over, for the profile check; undefined without an adapter. Throws a one-line error for a bad module. */
export function adapterUse(): AdapterUse | undefined {
  const { problems } = checkAdapter(adapterModule);
  if (problems.length > 0) throw new Error(adapterError(adapterSource, problems));
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
