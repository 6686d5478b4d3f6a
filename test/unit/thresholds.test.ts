/** The shipped threshold profiles (thresholds/*.json) validate and only name known invariant metrics. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { invariantTitles } from '../../validator/verdict/catalog.ts';
import { validateThresholdProfile } from '../../validator/verdict/invariants.ts';

const dir = new URL('../../thresholds/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('thresholds/*.json', () => {
  it('ships the strict and tolerant profiles', () => {
    assert.ok(files.includes('strict.json'));
    assert.ok(files.includes('tolerant.json'));
  });

  for (const file of files) {
    describe(file, () => {
      const data: unknown = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
      const profile = validateThresholdProfile(file.replace(/\.json$/, ''), data);

      it('validates, with a description', () => {
        assert.ok(profile.description.length > 20, 'a description that says what the profile tolerates');
      });

      it('names only known invariant metrics, each with at least one expression', () => {
        const entries = Object.entries(profile.thresholds);
        assert.ok(entries.length > 0);
        for (const [metric, rules] of entries) {
          assert.ok(Object.hasOwn(invariantTitles(), metric), `unknown metric ${metric}`);
          assert.ok(rules.length > 0, `${metric} has no expression`);
          for (const rule of rules)
            assert.match(
              rule,
              /^(count|rate|value|avg|min|max|med|p\(\d+(\.\d+)?\))\s*(==|!=|<=|>=|<|>)\s*\d+(\.\d+)?$/,
            );
        }
      });

      it('keeps sessions, messages and orders intact', () => {
        for (const metric of [
          'zd_auth_lost',
          'zd_identity_changed',
          'zd_msgs_lost',
          'zd_orders_applied_twice',
        ] as const) {
          assert.deepEqual(profile.thresholds[metric], ['count==0'], metric);
        }
      });
    });
  }
});
