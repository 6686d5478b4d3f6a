/**
 * A self-contained HTML report (inline SVG and CSS, no script, opens offline): the verdict with failing
 * rows first, the timeline (timeline-svg.ts: a lane per pod, traffic per color, WebSocket sessions and
 * reconnects, latency p99, failures, the rollout windows shaded), what the run proves, the failure
 * breakdown and the diagnosis. Pure.
 */
import type { PodEvents } from '../../rollout/pod-events.ts';
import type { SecondRecord } from '../../run/per-second.ts';
import type { BreakdownRow, SeriesPoint } from './breakdown.ts';
import { type Diagnosis, noSignature } from './diagnosis.ts';
import { escapeXml } from './junit.ts';
import type { RunMeta } from './meta.ts';
import { provenHtml } from './proven.ts';
import { readinessHtml } from './readiness-table.ts';
import { shapeTimeline } from './timeline-data.ts';
import { timelineSvg } from './timeline-svg.ts';
import { type Verdict, verdictWord } from './verdict.ts';

export interface HtmlExtras {
  /** Pod lifecycle events (the `pods` hash). */
  pods?: PodEvents;
  /** The k6 web dashboard's export beside the report (a file name in the same folder), when written. */
  dashboard?: string;
}

export function htmlReport(
  verdict: Verdict,
  breakdown: BreakdownRow[],
  seconds: SecondRecord[],
  failures: SeriesPoint[],
  meta: RunMeta,
  diagnosis?: Diagnosis,
  extras: HtmlExtras = {},
): string {
  const failing = verdict.rows.filter((r) => !r.ok);
  const rows = [...failing, ...verdict.rows.filter((r) => r.ok)]
    .map(
      (r) =>
        `<tr class="${r.ok ? 'ok' : 'bad'}"><td>${r.ok ? '✓' : '✗'}</td><td>${r.kind}</td><td>${escapeXml(r.title)}</td><td><code>${escapeXml(r.metric)}</code></td><td>${escapeXml(r.value)}</td><td>${r.thresholds.map((t) => escapeXml(t.expression)).join(', ')}</td></tr>`,
    )
    .concat(
      verdict.notChecked.map(
        (n) =>
          `<tr class="skip"><td>–</td><td>not checked</td><td>${escapeXml(n.title)}</td><td><code>${escapeXml(n.metric)}</code></td><td>${escapeXml(n.reason)}</td><td></td></tr>`,
      ),
    )
    .join('\n');
  const failureRows = breakdown
    .slice(0, 100)
    .map(
      (b) =>
        `<tr><td>${b.count}</td><td>${escapeXml(b.invariant)}</td><td>${escapeXml(b.phase)}</td><td>${escapeXml(b.pod)}</td><td>${escapeXml(b.color)}</td><td>${escapeXml(b.detail || '—')}</td></tr>`,
    )
    .join('\n');
  const timeline = shapeTimeline({
    seconds,
    failures,
    pods: extras.pods ?? {},
    rollouts: meta.timeline.rollouts ?? [],
    rolloutStart: meta.timeline.rolloutStart,
    rolloutEnd: meta.timeline.rolloutEnd,
    breakdown,
  });
  const failed = failing.length
    ? `<p class="bad">Failed: ${failing.map((r) => `<code>${escapeXml(r.metric)}</code>`).join(', ')}</p>\n`
    : '';
  const dashboard = extras.dashboard
    ? `<p>k6 web dashboard of this run: <a href="${escapeXml(extras.dashboard)}">${escapeXml(extras.dashboard)}</a></p>\n`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zerodrop ${escapeXml(meta.runId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1 span.pass{color:#109618}h1 span.fail{color:#c00}
table{border-collapse:collapse;margin:12px 0}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;font-size:13px}
tr.bad td{background:#fee}p.bad{color:#c00}p.ok{color:#109618}tr.skip td{color:#777;font-style:italic}code{font-size:12px}
.legend{max-width:1000px}.legend span{display:inline-block;margin:0 14px 4px 0;font-size:13px}svg{max-width:100%;height:auto}
</style></head><body>
<h1>zerodrop ${escapeXml(meta.runId)}: <span class="${verdict.passed ? 'pass' : 'fail'}">${escapeXml(verdictWord(verdict))}</span></h1>
<p>${escapeXml(meta.target)} · profile ${escapeXml(meta.profile)} · thresholds ${escapeXml(meta.thresholds)} · strategy ${escapeXml(meta.strategy)} × ${meta.rollouts} · ${meta.users.http} HTTP + ${meta.users.ws} WebSocket users (${meta.users.perVu} per VU)</p>
${failed}${dashboard}<h2>Timeline</h2>
${timelineSvg(timeline)}
<h2>Verdict</h2>
<table><tr><th></th><th>kind</th><th>what</th><th>metric</th><th>value</th><th>threshold</th></tr>
${rows}
</table>
${provenHtml(verdict.proven)}<h2>Failures by invariant, phase, pod, color and cause</h2>
${breakdown.length === 0 ? '<p>None.</p>' : `<table><tr><th>count</th><th>invariant</th><th>phase</th><th>pod</th><th>color</th><th>cause</th></tr>${failureRows}</table>`}
${readinessHtml(meta.readiness)}${diagnosis ? diagnosisHtml(diagnosis) : ''}
<h2>Reproduce</h2><pre>${escapeXml(meta.command)}</pre>
</body></html>
`;
}

/** The diagnosis section: one block per finding (signature, likely cause, fix, evidence). */
export function diagnosisHtml(d: Diagnosis): string {
  const findings = d.findings
    .map(
      (f) =>
        `<div class="finding" id="diagnosis-${f.id}"><p><b>${escapeXml(f.signature)}</b> <code>${f.id}</code></p><p>Likely cause: ${escapeXml(f.cause)}</p><p>Fix: ${escapeXml(f.fix)}</p><ul>${f.evidence.map((e) => `<li>${escapeXml(e)}</li>`).join('')}</ul></div>`,
    )
    .join('\n');
  const rest =
    d.unexplained.length > 0
      ? `<p>No known signature for: ${d.unexplained.map((m) => `<code>${escapeXml(m)}</code>`).join(', ')} (see the failures below).</p>`
      : '';
  const body = findings === '' && rest === '' ? `<p>${noSignature}.</p>` : `${findings}${rest}`;
  return `<h2>Diagnosis</h2>\n${body}`;
}
