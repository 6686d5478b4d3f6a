/**
 * A timer like setInterval whose first run comes after a random part of its interval. The VUs of a run
 * start their scenarios together, so timers they start then run together for the rest of the run: the
 * VUs' chores among them (users.ts), whose timeline reads the VUs share only when one comes after
 * another (control.ts: a reading another VU took moments ago is taken, one being taken is not seen).
 */
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';

/** Runs `fn` every `ms` from a random moment within the first `ms`; the function returned stops it. */
export function spreadInterval(fn: () => void, ms: number): () => void {
  let interval: ReturnType<typeof setInterval> | null = null;
  const first = setTimeout(() => {
    interval = setInterval(fn, ms);
    fn();
  }, Math.random() * ms);
  return () => {
    clearTimeout(first);
    if (interval !== null) clearInterval(interval);
  };
}
