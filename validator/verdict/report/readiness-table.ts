/**
 * Readiness on drain in the reports: one row per replaced pod — deletion start (clock time, UTC), then
 * unready, last request served, connections closed and exit as seconds after it, and the verdict.
 * summary.json carries the same data as `meta.readiness`. Pure.
 */
import type { PodReadinessVerdict, ReadinessReport } from '../../readiness/judge.ts';
import { seconds } from '../../readiness/judge.ts';
import { escapeXml } from './junit.ts';
import { formatTable } from './text.ts';

const header = ['pod', 'deletion start', 'unready', 'last request', 'connections closed', 'exit', 'verdict'];

/** `+2.4 s` after the deletion start; `—` where it was not seen. */
function after(p: PodReadinessVerdict, t: number | null): string {
  return t === null ? '—' : `${t < p.deletionStart ? '−' : '+'}${seconds(Math.abs(t - p.deletionStart))}`;
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}

function verdict(p: PodReadinessVerdict): string {
  if (p.notJudged !== null) return `– not judged: ${p.notJudged}`;
  const failures = [p.onDrain, p.servedAfterUnready].filter((f): f is string => f !== null);
  return failures.length === 0 ? '✓' : `✗ ${failures.join('; ')}`;
}

function cells(p: PodReadinessVerdict): string[] {
  const closed =
    p.connectionsClosed === null
      ? '—'
      : `${after(p, p.connectionsClosed)} (${p.closedBy === 'refused' ? 'refused' : 'sockets closed'})`;
  return [
    p.pod,
    clock(p.deletionStart),
    p.unready === null ? 'never' : after(p, p.unready),
    after(p, p.lastServed),
    closed,
    after(p, p.exit),
    verdict(p),
  ];
}

function title(r: ReadinessReport): string {
  return `Readiness on drain, per replaced pod (from ${r.source}; READINESS_BOUND ${seconds(r.boundMs)}, READINESS_GRACE ${seconds(r.graceMs)}; times after the deletion start)`;
}

/** The text report's section (without indentation); empty when the run did not check readiness. */
export function readinessLines(r: ReadinessReport | undefined): string[] {
  if (!r) return [];
  if (r.pods.length === 0) return [title(r), '  no pod was replaced while it was followed', ''];
  return [title(r), ...formatTable([header, ...r.pods.map(cells)]).map((l) => `  ${l}`), ''];
}

/** The HTML report's section; empty when the run did not check readiness. */
export function readinessHtml(r: ReadinessReport | undefined): string {
  if (!r) return '';
  const rows = r.pods
    .map((p) => {
      const failed = p.onDrain !== null || p.servedAfterUnready !== null;
      return `<tr class="${failed ? 'bad' : p.notJudged !== null ? 'skip' : 'ok'}">${cells(p)
        .map((c) => `<td>${escapeXml(c)}</td>`)
        .join('')}</tr>`;
    })
    .join('\n');
  const body =
    r.pods.length === 0
      ? '<p>No pod was replaced while it was followed.</p>'
      : `<table id="readiness"><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr>\n${rows}</table>`;
  return `<h2>Readiness on drain</h2>\n<p>${escapeXml(title(r))}</p>\n${body}\n`;
}
