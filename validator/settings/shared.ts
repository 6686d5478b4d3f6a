/**
 * The run's settings in every VU, with the code that reads and checks them in VU 0 only. k6 initialises
 * VU 0 first and takes the options from it: VU 0 reads and checks every setting (settings.ts, bundled
 * into run-end.cjs; a bad setting stops the run there, exit 107) and fills a k6 SharedArray from which
 * every other VU takes a copy. So the VUs that carry the load never instantiate the settings registry,
 * the profile validation, the presets or the threshold profiles: k6 instantiates every top-level function
 * and table of a script in every VU (docs/decisions.md, "Bundles are minified").
 */
import { SharedArray } from 'k6/data';
import type { TargetProfile } from '../profile/profile.ts';
import { inVuZero } from '../verdict/run-end-loader.ts';
import type { Config, ParseOptions } from './registry.ts';
import type { Settings } from './settings.ts';

/** What every VU has; the threshold profile only VU 0 needs (k6 reads the thresholds from its options). */
export interface VuSettings {
  config: Config;
  profile: TargetProfile;
  /** VU 0's settings as it read them, thresholds included; null in every other VU. */
  vuZero: Settings | null;
}

export function sharedSettings(
  options: Omit<ParseOptions, 'newRunId'>,
  /** Bytes of memory the machine has for this run (0: unknown); its users are refused beyond it. */
  availableMemory?: () => number,
): VuSettings {
  const read = inVuZero((end) => end.loadSettings(options, availableMemory));
  // SharedArray runs its callback in the first VU that creates it, VU 0, whose `read` is set.
  const [shared] = new SharedArray('zerodrop settings', () => {
    const { config, profile } = read as Settings;
    return [{ config, profile }];
  });
  if (read) return { config: read.config, profile: read.profile, vuZero: read };
  // The shared copy is deeply frozen: each VU works on its own, as it did when it parsed its settings.
  const { config, profile } = JSON.parse(JSON.stringify(shared)) as Pick<Settings, 'config' | 'profile'>;
  return { config, profile, vuZero: null };
}
