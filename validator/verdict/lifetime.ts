/**
 * The session lifetime audit's rule: a session whose profile declares a sliding idle timeout must still
 * have, at the audit, at least that timeout minus the time since its last activity (recorded by the
 * user that made it). A shorter remaining TTL means the store will expire it sooner than declared —
 * whatever the run's length. Pure: no k6 imports.
 */
import { parseDuration } from '../settings/duration.ts';

export type LifetimeFinding = 'ok' | 'short' | 'gone' | 'no-expiry';

/**
 * Slack for what the clocks cannot say exactly: the last activity is recorded by the client after the
 * response (the server refreshed the TTL a round trip earlier) and stores round TTLs to seconds.
 */
export function lifetimeToleranceMs(idleMs: number): number {
  return Math.max(5000, idleMs * 0.02);
}

/** The least remaining TTL a session active `sinceActivityMs` ago may have. */
export function expectedRemainingMs(idleMs: number, sinceActivityMs: number): number {
  return idleMs - Math.max(0, sinceActivityMs) - lifetimeToleranceMs(idleMs);
}

/**
 * Judges a PTTL reply (ms; −2 no key, −1 no expiry). A missing key is the other audit's finding; a key
 * without expiry never expires early.
 */
export function judgeLifetime(pttlMs: number, idleMs: number, sinceActivityMs: number): LifetimeFinding {
  if (pttlMs === -2) return 'gone';
  if (pttlMs < 0) return 'no-expiry';
  return pttlMs < expectedRemainingMs(idleMs, sinceActivityMs) ? 'short' : 'ok';
}

/** The profile's idle timeout in ms (validated by the profile), or null when it declares none. */
export function idleTimeoutMs(idleTimeout: string | undefined): number | null {
  return idleTimeout === undefined ? null : parseDuration(idleTimeout);
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 120 ? `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}` : `${s}s`;
}

/** One line for a session that would expire early. */
export function describeShort(
  user: string,
  pttlMs: number,
  idleTimeout: string,
  sinceActivityMs: number,
): string {
  const idleMs = parseDuration(idleTimeout) ?? 0;
  return `session of ${user} expires in ${seconds(pttlMs)}; idle timeout ${idleTimeout} since its last activity ${seconds(sinceActivityMs)} ago leaves ≥ ${seconds(idleMs - sinceActivityMs)}`;
}
