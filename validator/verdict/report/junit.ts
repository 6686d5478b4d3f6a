/** JUnit XML for CI: one testcase per threshold of every invariant and guard. Pure. */
import { type Diagnosis, diagnosisLines } from './diagnosis.ts';
import type { RunMeta } from './meta.ts';
import { provenFor } from './proven.ts';
import type { Verdict } from './verdict.ts';

export function escapeXml(text: string): string {
  // Characters XML 1.0 forbids even as references (control characters, U+FFFE, U+FFFF) become U+FFFD.
  return text
    .replace(/[^\t\n\r\u0020-\uFFFD]/g, '\uFFFD')
    .replace(
      /[<>&"']/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
    );
}

export function junitReport(verdict: Verdict, meta: RunMeta, diagnosis?: Diagnosis): string {
  const cases = verdict.rows.flatMap((row) =>
    row.thresholds.map((t) => {
      const name = escapeXml(`${row.metric} ${t.expression}`);
      const classname = `zerodrop.${row.kind}`;
      const stated = provenFor(verdict.proven, row.metric, t.expression);
      const body = `${
        t.ok
          ? ''
          : `<failure message="${escapeXml(`${row.title}: ${row.metric} = ${row.value}, expected ${t.expression}`)}"/>`
      }${stated === null ? '' : `<system-out>${escapeXml(stated)}</system-out>`}`;
      return `    <testcase name="${name}" classname="${classname}">${body}</testcase>`;
    }),
  );
  const skipped = verdict.notChecked.map(
    (n) =>
      `    <testcase name="${escapeXml(n.metric)}" classname="zerodrop.invariant"><skipped message="${escapeXml(`not checked: ${n.reason}`)}"/></testcase>`,
  );
  cases.push(...skipped);
  if (verdict.notRun)
    cases.push(
      `    <testcase name="setup" classname="zerodrop.setup"><error message="${escapeXml(`not run: ${verdict.notRun}`)}"/></testcase>`,
    );
  const failures = verdict.rows.flatMap((r) => r.thresholds).filter((t) => !t.ok).length;
  const errors = verdict.notRun ? ' errors="1"' : '';
  const seconds = (meta.durationMs / 1000).toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="zerodrop" tests="${cases.length}" failures="${failures}"${errors} skipped="${skipped.length}" time="${seconds}">`,
    `  <testsuite name="zerodrop ${escapeXml(meta.runId)}" tests="${cases.length}" failures="${failures}"${errors} skipped="${skipped.length}" time="${seconds}">`,
    `    <properties><property name="command" value="${escapeXml(meta.command)}"/>${diagnosisProperty(diagnosis)}</properties>`,
    ...cases,
    ...(diagnosis
      ? [`    <system-out>${escapeXml(['Diagnosis', ...diagnosisLines(diagnosis)].join('\n'))}</system-out>`]
      : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The diagnosis' signature ids as a property (`none` for a run without a failure signature). */
function diagnosisProperty(diagnosis: Diagnosis | undefined): string {
  if (!diagnosis) return '';
  const ids = diagnosis.findings.map((f) => f.id).join(',') || 'none';
  return `<property name="diagnosis" value="${escapeXml(ids)}"/>`;
}
