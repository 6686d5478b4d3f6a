/** Run phases from the run-control timeline. Pure: no k6 imports. */

export type Phase = 'baseline' | 'rollout' | 'cooldown';

/** Epoch-millisecond marks published by the rollout driver. */
export interface Timeline {
  /** The first rollout was triggered. */
  rolloutStart: number | null;
  /** The last rollout finished. */
  rolloutEnd: number | null;
  /** Load stops: rolloutEnd + cooldown (or the abort time). */
  endAt: number | null;
}

export const emptyTimeline: Timeline = { rolloutStart: null, rolloutEnd: null, endAt: null };

export function phaseAt(t: number, timeline: Timeline): Phase {
  if (timeline.rolloutStart === null || t < timeline.rolloutStart) return 'baseline';
  if (timeline.rolloutEnd === null || t < timeline.rolloutEnd) return 'rollout';
  return 'cooldown';
}

export function isOver(t: number, timeline: Timeline): boolean {
  return timeline.endAt !== null && t >= timeline.endAt;
}

/**
 * The first mark of the timeline after `t`: until then phaseAt and isOver answer as they do at `t`. Null
 * when none lies ahead.
 */
export function nextMarkAfter(t: number, timeline: Timeline): number | null {
  // Three comparisons, no array: the WebSocket users ask every second (an iterator in k6's runtime).
  const { rolloutStart, rolloutEnd, endAt } = timeline;
  let next: number | null = null;
  if (rolloutStart !== null && rolloutStart > t) next = rolloutStart;
  if (rolloutEnd !== null && rolloutEnd > t && (next === null || rolloutEnd < next)) next = rolloutEnd;
  if (endAt !== null && endAt > t && (next === null || endAt < next)) next = endAt;
  return next;
}

/** Parses the control hash (string values) into a Timeline. */
export function parseTimeline(hash: Record<string, string>): Timeline {
  const num = (key: string) => {
    const n = Number(hash[key]);
    return hash[key] !== undefined && Number.isFinite(n) ? n : null;
  };
  return { rolloutStart: num('rolloutStart'), rolloutEnd: num('rolloutEnd'), endAt: num('endAt') };
}
