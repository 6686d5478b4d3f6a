/**
 * Reads the run's settings once, in the init context: config from __ENV, the target profile (built-in or
 * a JSON file), the threshold profile. Throws a one-line error naming the setting before any load starts.
 */
import strict from '../../thresholds/strict.json';
import tolerant from '../../thresholds/tolerant.json';
import { adapterUse } from '../adapter/user-adapter.ts';
import { builtinProfiles } from '../profile/builtin/index.ts';
import { withPresets } from '../profile/presets.ts';
import {
  type AdapterUse,
  hasFrame,
  ProfileError,
  parseProfile,
  type TargetProfile,
} from '../profile/profile.ts';
import { checkRedisUrl } from '../run/control.ts';
import { newRunId } from '../run/run-id.ts';
import { proofProblem } from '../verdict/bounds.ts';
import { type ThresholdProfile, validateThresholdProfile } from '../verdict/invariants.ts';
import { checkMemory } from './memory.ts';
import { ConfigError } from './parse.ts';
import { type Config, type ParseOptions, parseConfig } from './registry.ts';

const thresholdProfiles: Record<string, unknown> = { strict, tolerant };

export interface Settings {
  config: Config;
  profile: TargetProfile;
  thresholds: ThresholdProfile;
}

/** A JSON file named by a setting, parsed; one line naming the setting when it cannot be. */
function readJson(setting: string, path: string): unknown {
  let text: string;
  try {
    text = open(path);
  } catch (error) {
    throw new Error(`${setting}: cannot read '${path}': ${String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${setting}: '${path}' is not valid JSON: ${String(error)}`);
  }
}

function loadProfile(name: string, adapter: AdapterUse | undefined): TargetProfile {
  const builtin = builtinProfiles[name];
  if (builtin) return adapter ? parseProfile(builtin, name, adapter) : builtin;
  if (!name.endsWith('.json')) {
    throw new Error(
      `PROFILE: unknown profile '${name}' (built in: ${Object.keys(builtinProfiles).join(', ')}; or a path to a .json profile)`,
    );
  }
  const data = readJson('PROFILE', name);
  try {
    return parseProfile(withPresets(data), name, adapter);
  } catch (error) {
    throw error instanceof ProfileError
      ? error
      : new Error(`PROFILE: ${name}: ${String((error as Error).message ?? error)}`);
  }
}

function loadThresholds(name: string): ThresholdProfile {
  const data = name.endsWith('.json') ? readJson('THRESHOLDS', name) : thresholdProfiles[name];
  if (data === undefined) {
    throw new Error(
      `THRESHOLDS: unknown profile '${name}' (expected one of: ${Object.keys(thresholdProfiles).join(', ')}, or a path to a .json file)`,
    );
  }
  return validateThresholdProfile(name, data);
}

/** Config (with the profile's defaults for user, namespace and objects) — throws on the first bad setting. */
export function loadSettings(
  options: Omit<ParseOptions, 'newRunId'>,
  /** Bytes of memory the machine has for this run (0: unknown); its users are refused beyond it. */
  availableMemory: () => number = () => 0,
): Settings {
  return oneLine(() => {
    const config = parseConfig(__ENV, { ...options, newRunId: () => newRunId() });
    if (config.redisUrl) checkRedisUrl(config.redisUrl);
    checkMemory(config, availableMemory());
    const profile = loadProfile(config.profile, adapterUse());
    const proof = proofProblem(config, hasFrame(profile, 'feed'));
    if (proof !== null) throw new ConfigError('PROVE_LOSS_BELOW', proof);
    return { config, profile, thresholds: loadThresholds(config.thresholds) };
  });
}

/**
 * Settings errors leave the init context as a plain string: k6 then prints the one line naming the
 * setting (an Error would come with a stack trace) and exits 107, before any load.
 */
function oneLine<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof Error ? error.message : String(error);
  }
}
