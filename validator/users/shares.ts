/** Which synthetic users take part in a share of the load. Pure: no k6 imports. */

/**
 * Deterministic share membership: user n's slot is (37·n + salt) mod 100, a permutation of 0…99 over any
 * 100 consecutive users, so exactly round(share·100) of every 100 belong, spread across small runs too.
 * Different salts pick different, overlapping members for different shares.
 */
export function inShare(user: number, share: number, salt = 0): boolean {
  return (user * 37 + salt) % 100 < Math.round(share * 100);
}
