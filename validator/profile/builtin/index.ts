/** Built-in target profiles, by the name PROFILE takes. */
import type { TargetProfile } from '../profile.ts';
import { referenceProfile } from './reference.ts';

export const builtinProfiles: Record<string, TargetProfile> = { reference: referenceProfile };
