/** JUnit XML for CI: well-formed, escaped, one testcase per threshold, failure counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXml, junitReport } from '../../validator/verdict/report/junit.ts';
import type { Verdict } from '../../validator/verdict/report/verdict.ts';
import { hostile, mixedVerdict, runMeta } from './report-fixtures.ts';

/**
 * A tiny well-formedness check: balanced, properly nested elements; attribute values and text hold no
 * raw `<`, only known entities after `&`, and only characters XML 1.0 allows.
 */
function assertWellFormed(xml: string): void {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), 'XML declaration');
  assert.doesNotMatch(xml, /[^\t\n\r\u0020-\uFFFD]/, 'only characters XML 1.0 allows');
  const body = xml.slice(xml.indexOf('?>') + 2);
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of body.matchAll(token)) {
    const [, closing, name, attrs, selfClosing, text, stray] = m;
    assert.equal(stray, undefined, `malformed tag near: ${body.slice(m.index, m.index + 40)}`);
    const content = text ?? attrs ?? '';
    for (const amp of content.matchAll(/&[^;]*;?/g)) {
      assert.match(amp[0], /^&(lt|gt|amp|quot|apos);$/, `bad entity ${amp[0]}`);
    }
    if (text !== undefined || !name) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClosing) stack.push(name);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
}

const count = (xml: string, pattern: RegExp) => [...xml.matchAll(pattern)].length;

describe('escapeXml', () => {
  it('escapes the five markup characters', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('escapes an ampersand even when it already starts an entity', () => {
    assert.equal(escapeXml('&amp;'), '&amp;amp;');
  });

  it('replaces characters XML 1.0 forbids, keeps tabs, newlines and non-ASCII', () => {
    assert.equal(escapeXml('a\u0000b\u001bc\u000bd\uFFFFe'), 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
    assert.equal(escapeXml('tab\tline\nret\r · ✓ 😀'), 'tab\tline\nret\r · ✓ 😀');
  });
});

describe('junitReport', () => {
  it('is well-formed, with one testcase per threshold and the failures counted', () => {
    const xml = junitReport(mixedVerdict(), runMeta());
    assertWellFormed(xml);
    assert.equal(count(xml, /<testcase /g), 5);
    assert.equal(count(xml, /<failure /g), 2);
    assert.match(xml, /<testsuites name="zerodrop" tests="5" failures="2" skipped="0" time="61\.234">/);
    assert.match(
      xml,
      /<testsuite name="zerodrop 20250101-120000-abcd" tests="5" failures="2" skipped="0" time="61\.234">/,
    );
  });

  it('names each testcase by metric and expression, classed by kind', () => {
    const xml = junitReport(mixedVerdict(), runMeta());
    assert.match(xml, /<testcase name="zd_http_5xx count==0" classname="zerodrop\.invariant"><\/testcase>/);
    assert.match(
      xml,
      /<testcase name="zd_reconnect_ms max&lt;10000" classname="zerodrop\.invariant"><\/testcase>/,
    );
    assert.match(
      xml,
      /<testcase name="zd_sessions_established count&gt;=50" classname="zerodrop\.guard"><\/testcase>/,
    );
  });

  it('explains each failure', () => {
    const xml = junitReport(mixedVerdict(), runMeta());
    assert.ok(
      xml.includes(
        '<testcase name="zd_audit_runs count&gt;=1" classname="zerodrop.guard"><failure message="the Redis audit ran: zd_audit_runs = no samples, expected count&gt;=1"/></testcase>',
      ),
    );
    assert.ok(
      xml.includes(
        'message="WebSocket reconnect latency (close to resumed): zd_reconnect_ms = p99 7000 ms, max 9000 ms, expected p(99)&lt;5000"',
      ),
    );
  });

  it('records the reproduce command', () => {
    const xml = junitReport(mixedVerdict(), runMeta());
    assert.match(
      xml,
      /<property name="command" value="BASE_URL=http:\/\/127\.0\.0\.1:8080 k6 run dist\/zero-downtime\.js"\/>/,
    );
  });

  it('stays well-formed with hostile strings everywhere', () => {
    const verdict: Verdict = {
      passed: false,
      notChecked: [],
      rows: [
        {
          kind: 'invariant',
          metric: `zd_x{tag:${hostile}}`,
          title: hostile,
          value: `${hostile}\u001b[31m`,
          thresholds: [{ expression: `p(99)<5 && "x"`, ok: false }],
          ok: false,
        },
      ],
    };
    const xml = junitReport(
      verdict,
      runMeta({ runId: hostile, command: `USER_PREFIX='${hostile}\u0007' k6 run x.js` }),
    );
    assertWellFormed(xml);
    assert.equal(count(xml, /<testcase /g), 1);
    assert.equal(count(xml, /<failure /g), 1);
    assert.ok(!xml.includes('<script>'));
  });

  it('has no testcases and no failures for an empty verdict', () => {
    const xml = junitReport({ passed: true, rows: [], notChecked: [] }, runMeta({ durationMs: 0 }));
    assertWellFormed(xml);
    assert.equal(count(xml, /<testcase /g), 0);
    assert.match(xml, /tests="0" failures="0" skipped="0" time="0\.000"/);
  });

  it('the well-formedness check itself catches broken XML', () => {
    const good = junitReport(mixedVerdict(), runMeta());
    assert.throws(() => assertWellFormed(good.replace('</testsuite>', '')));
    assert.throws(() => assertWellFormed(good.replace('count&gt;=1', 'count>=1 & more')));
    assert.throws(() => assertWellFormed(good.replace('zd_http_5xx count==0', 'a"b')));
    assert.throws(() => assertWellFormed(good.replace('zerodrop.guard', 'x\u0001')));
  });
});

describe('junitReport of a run setup() stopped', () => {
  it('says "not run: <reason>" as one error, with no threshold failures', () => {
    const xml = junitReport(
      { passed: false, rows: [], notChecked: [], notRun: 'BASE_URL: http://127.0.0.1:9 is unreachable' },
      runMeta(),
    );
    assert.match(xml, /tests="1" failures="0" errors="1"/);
    assert.match(xml, /<error message="not run: BASE_URL: http:\/\/127\.0\.0\.1:9 is unreachable"\/>/);
    assert.doesNotMatch(xml, /<failure/);
  });
});
