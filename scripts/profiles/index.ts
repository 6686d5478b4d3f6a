/** Built-in target profiles and their strict frame validators. */
import type { TargetProfile } from '../lib/profile.ts';
import { isReferenceFrame, referenceProfile } from './reference.ts';

export const builtinProfiles: Record<string, TargetProfile> = { reference: referenceProfile };

const frameValidators: Record<string, (raw: string) => boolean> = { reference: isReferenceFrame };

export function frameValidatorFor(profile: string): ((raw: string) => boolean) | undefined {
  return frameValidators[profile];
}
