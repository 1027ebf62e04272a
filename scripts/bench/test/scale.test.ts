/**
 * `bench:scale` measures only what the verifier accepts: its CSV and rules pass the admin API's own
 * parser and schemas, and its uncached sample names distinct devices across the whole registry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImportBody, RuleCreate } from '../../../schemas/admin.js';
import { parseImportCsv } from '../../../verifier/http/admin/import-csv.js';
import { spreadSample } from '../scale-decisions.js';
import { DEVICE_RULE_EVERY, FLEETS, REGIONS, deviceRule, fingerprint, importCsv, sharedRules } from '../scale-fleet.js';
import { renderScale } from '../scale-report.js';

test('the import CSV is what the import route takes: two groups and a fingerprint a device', () => {
  const body = ImportBody.parse(parseImportCsv(importCsv(1000, 1003)));
  assert.deepEqual(body.devices.map((d) => d.id), ['dev-1000', 'dev-1001', 'dev-1002']);
  assert.deepEqual(body.devices[0]!.groups, ['fleet-0', 'region-1']);
  assert.equal(body.devices[2]!.certFingerprint, fingerprint(1002));
  assert.notEqual(fingerprint(1), fingerprint(2));
});

test('every rule is one the rules route accepts, placeholders included', () => {
  const rules = [...sharedRules(), deviceRule(DEVICE_RULE_EVERY)];
  assert.equal(rules.length, FLEETS * 2 + REGIONS + 2 + 1);
  for (const rule of rules) assert.equal(RuleCreate.safeParse(rule).success, true, JSON.stringify(rule));
  assert.ok(rules.some((r) => r.topic.includes('${device}')) && rules.some((r) => r.topic.includes('${clientid}')));
});

test('the uncached sample names distinct devices, one in each stretch of the registry', () => {
  const sample = spreadSample(1000, 100);
  assert.equal(new Set(sample).size, 100);
  assert.deepEqual([...new Set(sample.map((i) => Math.floor(i / 10)))].sort((a, b) => a - b), Array.from({ length: 100 }, (_, k) => k));
});

test('the section shows both goals and says why PostgreSQL was skipped', () => {
  const timing = { p50: 0.4, p99: 2, count: 10, errors: 0, rate: 900, cpuUs: 40 };
  const section = renderScale(
    [{ store: 'SQLite', load: [{ what: 'import', seconds: 1 }], sizeMb: 1, assembleSeconds: 0.1, readySeconds: 1, rssStartMb: 100, rssAfterMb: 120, peakMb: 130,
      decisions: { connect: timing, authorize: timing, cached: timing, noop: { ...timing, rate: 1000, cpuUs: 32 }, admitted: 10 }, importMoreSeconds: 2 }],
    { devices: 10, shape: 'test', plan: { sample: 10, uncachedMs: 1000, cachedMs: 1000, rounds: 1, concurrency: 2 }, pgSkipped: 'no PostgreSQL here', totalSeconds: 60, machine: 'test' },
  );
  assert.match(section, /^<!-- bench:scale -->/);
  assert.match(section, /\| cached authorize \/ do-nothing, by req\/s \| 0\.90x \| ≥ 0\.80x \|/);
  assert.match(section, /\| cached authorize \/ do-nothing, by server CPU per request \| 0\.80x \| ≥ 0\.80x \|/);
  assert.match(section, /≤ 1 ms p50 on PostgreSQL/);
  assert.match(section, /PostgreSQL skipped: no PostgreSQL here/);
});
