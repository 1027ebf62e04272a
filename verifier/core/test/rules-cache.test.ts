import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AclRule, DeviceRecord } from '../ports.js';
import { RulesCache } from '../rules-cache.js';

function device(id: string, groups: string[] = []): DeviceRecord {
  return { id, groups, enabled: true, disabledReason: null, superuser: false, requireClientIdMatch: true, attributes: {}, incarnation: `${id}-1` };
}

/** A registry read that counts its calls and answers with the current "stored" rules of a device. */
function source() {
  const stored = new Map<string, AclRule[]>();
  let reads = 0;
  const read = (d: DeviceRecord | null) => {
    reads++;
    return stored.get(`${d?.id ?? ''}|${d?.groups.join(',') ?? ''}`) ?? [];
  };
  const rule = (topic: string): AclRule => ({ id: 1, subject: { kind: 'all' }, action: 'all', eq: false, qos: null, retain: null, permission: 'allow', priority: 1, topic });
  return { stored, read, rule, reads: () => reads };
}

test('a device reconnecting reads its rules once, until a change for it drops them', () => {
  const s = source();
  const cache = new RulesCache(s.read, 10);
  s.stored.set('d1|', [s.rule('a/#')]);
  assert.equal(cache.rulesFor(device('d1'))[0]!.topic, 'a/#');
  assert.equal(cache.rulesFor(device('d1'))[0]!.topic, 'a/#');
  assert.equal(s.reads(), 1);
  s.stored.set('d1|', [s.rule('b/#')]);
  cache.invalidate({ kind: 'device', deviceId: 'd2' });
  assert.equal(cache.rulesFor(device('d1'))[0]!.topic, 'a/#', 'another device changed');
  cache.invalidate({ kind: 'device', deviceId: 'd1' });
  assert.equal(cache.rulesFor(device('d1'))[0]!.topic, 'b/#', 'read again at once');
});

test('a group, everyone or anonymous rule change (all) drops every entry, anonymous included', () => {
  const s = source();
  const cache = new RulesCache(s.read, 10);
  cache.rulesFor(device('d1'));
  cache.rulesFor(null);
  s.stored.set('d1|', [s.rule('g/#')]);
  s.stored.set('|', [s.rule('anon/#')]);
  cache.invalidate({ kind: 'all' });
  assert.equal(cache.rulesFor(device('d1'))[0]!.topic, 'g/#');
  assert.equal(cache.rulesFor(null)[0]!.topic, 'anon/#');
});

test('a record with other groups is read apart, and the table stays bounded', () => {
  const s = source();
  const cache = new RulesCache(s.read, 2);
  s.stored.set('d1|sensors', [s.rule('sensors/#')]);
  assert.equal(cache.rulesFor(device('d1')).length, 0);
  assert.equal(cache.rulesFor(device('d1', ['sensors']))[0]!.topic, 'sensors/#');
  for (const id of ['d2', 'd3', 'd4']) cache.rulesFor(device(id));
  assert.ok(cache.size <= 2);
});

test('the rules handed out cannot be changed by a caller', () => {
  const s = source();
  s.stored.set('d1|', [s.rule('a/#')]);
  const rules = new RulesCache(s.read, 10).rulesFor(device('d1')) as AclRule[];
  assert.throws(() => rules.push(s.rule('x/#')));
});
