/** Invariants a profile cannot feed are reported as not checked in every report format, never as passed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { htmlReport } from '../../validator/verdict/report/html.ts';
import { junitReport } from '../../validator/verdict/report/junit.ts';
import { textReport } from '../../validator/verdict/report/text.ts';
import { buildVerdict } from '../../validator/verdict/report/verdict.ts';
import { runMeta, verdictWithNotChecked } from './report-fixtures.ts';

describe('not checked invariants', () => {
  it('the text report lists each with what the profile lacks, apart from the checked ones', () => {
    const text = textReport(verdictWithNotChecked(), [], runMeta(), 'reports/x');
    assert.match(text, /Not checked \(the target profile gives them nothing to read\)/);
    assert.match(
      text,
      / {2}– a logged-out session stays logged out — zd_logout_ineffective: not checked \(the profile lacks http\.logout\)/,
    );
    assert.match(text, /zd_audit_orders_not_once: not checked \(the profile lacks redis\.orders\)/);
    assert.doesNotMatch(text, /✓ [^\n]*zd_logout_ineffective/);
  });

  it('JUnit has a skipped testcase for each, counted in the suite', () => {
    const xml = junitReport(verdictWithNotChecked(), runMeta());
    assert.match(
      xml,
      /<testcase name="zd_orders_unacked" classname="zerodrop.invariant"><skipped message="not checked: the profile lacks websocket.order"\/><\/testcase>/,
    );
    assert.match(xml, /<testsuites name="zerodrop" tests="8" failures="2" skipped="3"/);
  });

  it('the HTML report shows each as not checked with the reason', () => {
    const html = htmlReport(verdictWithNotChecked(), [], [], [], runMeta());
    assert.match(
      html,
      /<tr class="skip"><td>–<\/td><td>not checked<\/td><td>a logged-out session stays logged out<\/td><td><code>zd_logout_ineffective<\/code><\/td><td>the profile lacks http.logout<\/td>/,
    );
  });

  it('the verdict carries them and they do not decide it', () => {
    const notChecked = verdictWithNotChecked().notChecked;
    const verdict = buildVerdict({ metrics: {} }, [], notChecked);
    assert.deepEqual(verdict.notChecked, notChecked);
    assert.equal(verdict.passed, true);
  });
});
