/**
 * Several synthetic users per k6 VU. k6 instantiates the whole script in every VU (each function, object
 * and metric of the bundle is rebuilt per VU), so a VU per user costs several times the memory of the
 * users themselves; a VU that runs `usersPerVu` users concurrently on its event loop pays that once.
 * Pure: no k6 imports.
 */

/** VUs a scenario needs for `users` users. */
export function vusFor(users: number, usersPerVu: number): number {
  return Math.ceil(users / usersPerVu);
}

/**
 * The 1-based user numbers VU `slot` (0-based within its scenario, unique across k6 instances) runs:
 * slot+1, slot+1+vus, …, so every user runs exactly once and VUs differ by at most one user.
 */
export function usersOfVu(slot: number, users: number, usersPerVu: number): number[] {
  const vus = vusFor(users, usersPerVu);
  const numbers: number[] = [];
  for (let n = slot + 1; n <= users; n += vus) numbers.push(n);
  return numbers;
}
