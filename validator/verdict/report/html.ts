/**
 * A self-contained HTML report with an SVG timeline: traffic per color per second, failures per second,
 * and the rollout window shaded — where a timeline says more than a table. Pure.
 */
import type { BreakdownRow, SeriesPoint } from './breakdown.ts';
import { type Diagnosis, noSignature } from './diagnosis.ts';
import { escapeXml } from './junit.ts';
import type { RunMeta } from './meta.ts';
import { provenHtml } from './proven.ts';
import { type Verdict, verdictWord } from './verdict.ts';

const palette = ['#3366cc', '#109618', '#990099', '#0099c6', '#dd4477', '#66aa00', '#316395', '#994499'];
const width = 900;
const height = 260;
const pad = { left: 50, right: 20, top: 20, bottom: 30 };

export function htmlReport(
  verdict: Verdict,
  breakdown: BreakdownRow[],
  traffic: SeriesPoint[],
  failures: SeriesPoint[],
  meta: RunMeta,
  diagnosis?: Diagnosis,
): string {
  const rows = verdict.rows
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zerodrop ${escapeXml(meta.runId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1 span.pass{color:#109618}h1 span.fail{color:#c00}
table{border-collapse:collapse;margin:12px 0}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;font-size:13px}
tr.bad td{background:#fee}p.bad{color:#c00}p.ok{color:#109618}tr.skip td{color:#777;font-style:italic}code{font-size:12px}.legend span{margin-right:14px;font-size:13px}
</style></head><body>
<h1>zerodrop ${escapeXml(meta.runId)}: <span class="${verdict.passed ? 'pass' : 'fail'}">${escapeXml(verdictWord(verdict))}</span></h1>
<p>${escapeXml(meta.target)} · profile ${escapeXml(meta.profile)} · thresholds ${escapeXml(meta.thresholds)} · strategy ${escapeXml(meta.strategy)} × ${meta.rollouts} · ${meta.users.http} HTTP + ${meta.users.ws} WebSocket users (${meta.users.perVu} per VU)</p>
<h2>Timeline</h2>
${timelineSvg(traffic, failures, meta)}
<h2>Verdict</h2>
<table><tr><th></th><th>kind</th><th>what</th><th>metric</th><th>value</th><th>threshold</th></tr>
${rows}
</table>
${provenHtml(verdict.proven)}<h2>Failures by invariant, phase, pod, color and cause</h2>
${breakdown.length === 0 ? '<p>None.</p>' : `<table><tr><th>count</th><th>invariant</th><th>phase</th><th>pod</th><th>color</th><th>cause</th></tr>${failureRows}</table>`}
${diagnosis ? diagnosisHtml(diagnosis) : ''}
<h2>Reproduce</h2><pre>${escapeXml(meta.command)}</pre>
</body></html>
`;
}

export function timelineSvg(traffic: SeriesPoint[], failures: SeriesPoint[], meta: RunMeta): string {
  const seconds = [...traffic, ...failures].map((p) => p.second);
  if (seconds.length === 0) return '<p>No traffic was recorded.</p>';
  const t0 = Math.min(...seconds);
  const t1 = Math.max(...seconds, t0 + 1);
  const x = (s: number) => pad.left + ((s - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const colors = [...new Set(traffic.map((p) => p.key))].sort();
  const perSecond = (points: SeriesPoint[], key?: string) => {
    const sums = new Map<number, number>();
    for (const p of points)
      if (key === undefined || p.key === key) sums.set(p.second, (sums.get(p.second) ?? 0) + p.count);
    return sums;
  };
  const failureSums = perSecond(failures);
  const maxY = Math.max(
    1,
    ...colors.flatMap((c) => [...perSecond(traffic, c).values()]),
    ...failureSums.values(),
  );
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const parts: string[] = [];
  const { rolloutStart, rolloutEnd } = meta.timeline;
  if (rolloutStart !== null) {
    const a = x(Math.floor(rolloutStart / 1000));
    const b = x(Math.floor((rolloutEnd ?? t1 * 1000) / 1000));
    parts.push(
      `<rect x="${a}" y="${pad.top}" width="${Math.max(1, b - a)}" height="${height - pad.top - pad.bottom}" fill="#fff2cc"><title>rollout</title></rect>`,
    );
  }
  colors.forEach((color, i) => {
    const sums = perSecond(traffic, color);
    const points = [...sums.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, v]) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${palette[i % palette.length]}" stroke-width="1.5" points="${points.join(' ')}"><title>${escapeXml(color)}</title></polyline>`,
    );
  });
  for (const [s, v] of failureSums) {
    parts.push(
      `<rect x="${x(s) - 2}" y="${y(v)}" width="4" height="${height - pad.bottom - y(v)}" fill="#c00"><title>${v} failures at +${s - t0}s</title></rect>`,
    );
  }
  parts.push(
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#888"/>`,
  );
  parts.push(
    `<text x="${pad.left}" y="${height - 8}" font-size="11">0 s</text><text x="${width - pad.right - 40}" y="${height - 8}" font-size="11">${t1 - t0} s</text>`,
  );
  parts.push(`<text x="4" y="${pad.top + 10}" font-size="11">${maxY}/s</text>`);
  const legend = colors
    .map(
      (c, i) =>
        `<span style="color:${palette[i % palette.length]}">■ traffic served by ${escapeXml(c)}</span>`,
    )
    .concat(
      '<span style="color:#c00">■ failures</span>',
      '<span style="color:#d9b44a">■ rollout window</span>',
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg><div class="legend">${legend}</div>`;
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
