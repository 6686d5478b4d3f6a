/**
 * Readiness on drain, teardown's verdict (run in VU 0 from run-end.cjs): every replaced pod judged
 * (judge.ts) from what the follower saw (follow.ts) and what the users saw it serve — the two zd_readiness
 * invariants and their guard counted, one failure row per failed pod, a line per pod on stdout, and the
 * per-pod report the summary shows (run key `readiness-report`).
 */
import type { RunControl } from '../run/control.ts';
import type { Config } from '../settings/registry.ts';
import { metrics } from '../verdict/metrics.ts';
import { judgeReadiness, type ReadinessReport, seconds } from './judge.ts';
import { type Observed, observedKey, podTrafficSets, reportKey } from './keys.ts';
import { type PodTraffic, parseScores } from './traffic.ts';

/** The users' view of every pod, from the run's sorted sets (control.ts recordPodTraffic). */
async function podTraffic(control: RunControl): Promise<Map<string, PodTraffic>> {
  const read = async (field: keyof PodTraffic) =>
    parseScores(
      await control.client.sendCommand('ZRANGE', control.key(podTrafficSets[field].key), 0, -1, 'WITHSCORES'),
    );
  const [served, fresh, closes] = [
    await read('lastServed'),
    await read('lastNewConnection'),
    await read('firstClose'),
  ];
  const out = new Map<string, PodTraffic>();
  for (const pod of new Set([...served.keys(), ...fresh.keys(), ...closes.keys()]))
    out.set(pod, {
      lastServed: served.get(pod) ?? null,
      lastNewConnection: fresh.get(pod) ?? null,
      firstClose: closes.get(pod) ?? null,
    });
  return out;
}

export async function judgeReadinessOnDrain(config: Config, control: RunControl): Promise<void> {
  const observed = (await control.getJson<Observed>(observedKey)) ?? {
    source: 'nothing (the readiness scenario left no observation)',
    endedAt: Date.now(),
    pods: [],
  };
  const rules = { boundMs: config.readinessBoundMs, graceMs: config.readinessGraceMs };
  const pods = judgeReadiness(observed.pods, await podTraffic(control), rules, observed.endedAt);
  const judged = pods.filter((p) => p.notJudged === null);
  metrics.zd_readiness_pods.add(judged.length);
  metrics.zd_readiness_on_drain.add(judged.filter((p) => p.onDrain !== null).length);
  metrics.zd_readiness_served_after_unready.add(judged.filter((p) => p.servedAfterUnready !== null).length);
  for (const p of pods) {
    const where = { phase: 'rollout', pod: p.pod, color: 'unknown' };
    const at = p.unready ?? p.connectionsClosed ?? p.exit ?? p.deletionStart;
    if (p.onDrain !== null) await control.recordFailure('zd_readiness_on_drain', where, at, p.onDrain);
    if (p.servedAfterUnready !== null)
      await control.recordFailure('zd_readiness_served_after_unready', where, at, p.servedAfterUnready);
    const unready = p.unready === null ? 'never' : `${seconds(p.unready - p.deletionStart)}`;
    const outcome = p.notJudged ?? p.onDrain ?? p.servedAfterUnready ?? 'ok';
    console.log(`readiness: ${p.pod}: not ready ${unready} after its deletion started: ${outcome}`);
  }
  const report: ReadinessReport = { source: observed.source, ...rules, pods };
  await control.setJson(reportKey, report);
}
