import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAcl, filtersOverlap, type Acl, type AclEntry, type AclQuery } from '../index.js';

function rule(fields: Partial<AclEntry> & Pick<AclEntry, 'topic'>): AclEntry {
  return { permission: 'allow', action: 'all', eq: false, ...fields };
}

const cases: Array<{ name: string; rules: AclEntry[]; noMatch?: 'allow' | 'deny'; query: AclQuery; allow: boolean; ruleIndex: number }> = [
  { name: 'no rule matching falls to noMatch deny', rules: [rule({ topic: 'a/#' })], query: { action: 'publish', topic: 'b' }, allow: false, ruleIndex: -1 },
  { name: 'no rule matching falls to noMatch allow', rules: [], noMatch: 'allow', query: { action: 'publish', topic: 'b' }, allow: true, ruleIndex: -1 },
  {
    name: 'the first applicable rule wins over a later one',
    rules: [rule({ topic: 'a/secret', permission: 'deny' }), rule({ topic: 'a/#' })],
    query: { action: 'publish', topic: 'a/secret' },
    allow: false,
    ruleIndex: 0,
  },
  { name: 'an action-specific rule ignores the other action', rules: [rule({ topic: 'a', action: 'subscribe' })], query: { action: 'publish', topic: 'a' }, allow: false, ruleIndex: -1 },
  {
    name: 'publish matches a + pattern [MQTT-4.7.1-3]',
    rules: [rule({ topic: 'sensors/+/temp', action: 'publish' })],
    query: { action: 'publish', topic: 'sensors/k/temp' },
    allow: true,
    ruleIndex: 0,
  },
  {
    name: 'subscribe to sensors/# is not allowed by sensors/+/temp [MQTT-4.7.1-2]',
    rules: [rule({ topic: 'sensors/+/temp' })],
    query: { action: 'subscribe', topic: 'sensors/#' },
    allow: false,
    ruleIndex: -1,
  },
  {
    name: 'subscribe to sensors/+/temp is allowed by sensors/# [MQTT-4.7.1-2]',
    rules: [rule({ topic: 'sensors/#' })],
    query: { action: 'subscribe', topic: 'sensors/+/temp' },
    allow: true,
    ruleIndex: 0,
  },
  {
    name: 'a deny applies to a subscription that merely overlaps it [MQTT-4.7.1-3]',
    rules: [rule({ topic: 'sensors/secret/#', permission: 'deny' }), rule({ topic: 'sensors/#' })],
    query: { action: 'subscribe', topic: 'sensors/+/x' },
    allow: false,
    ruleIndex: 0,
  },
  {
    name: 'a deny on $SYS does not touch a # subscription [MQTT-4.7.2-1]',
    rules: [rule({ topic: '$SYS/#', permission: 'deny' }), rule({ topic: '#' })],
    query: { action: 'subscribe', topic: '#' },
    allow: true,
    ruleIndex: 1,
  },
  { name: 'eq compares as text for subscribe', rules: [rule({ topic: 'a/+', eq: true })], query: { action: 'subscribe', topic: 'a/+' }, allow: true, ruleIndex: 0 },
  { name: 'eq does not act as a pattern', rules: [rule({ topic: 'a/+', eq: true })], query: { action: 'publish', topic: 'a/b' }, allow: false, ruleIndex: -1 },
  { name: 'a qos condition that holds', rules: [rule({ topic: 'a', qos: [0, 1] })], query: { action: 'publish', topic: 'a', qos: 1 }, allow: true, ruleIndex: 0 },
  { name: 'a qos condition that fails', rules: [rule({ topic: 'a', qos: [0, 1] })], query: { action: 'publish', topic: 'a', qos: 2 }, allow: false, ruleIndex: -1 },
  { name: 'an unknown qos never satisfies an allow condition', rules: [rule({ topic: 'a', qos: [0] })], query: { action: 'publish', topic: 'a' }, allow: false, ruleIndex: -1 },
  {
    name: 'an unknown qos always satisfies a deny condition',
    rules: [rule({ topic: 'a', qos: [2], permission: 'deny' })],
    noMatch: 'allow',
    query: { action: 'publish', topic: 'a' },
    allow: false,
    ruleIndex: 0,
  },
  { name: 'a retain condition that holds', rules: [rule({ topic: 'a', retain: false })], query: { action: 'publish', topic: 'a', retain: false }, allow: true, ruleIndex: 0 },
  { name: 'a retain condition that fails', rules: [rule({ topic: 'a', retain: false })], query: { action: 'publish', topic: 'a', retain: true }, allow: false, ruleIndex: -1 },
  {
    name: 'an unknown retain flag always satisfies a deny condition',
    rules: [rule({ topic: 'a', retain: true, permission: 'deny' })],
    noMatch: 'allow',
    query: { action: 'publish', topic: 'a' },
    allow: false,
    ruleIndex: 0,
  },
];

for (const c of cases) {
  test(`checkAcl: ${c.name}`, () => {
    const acl: Acl = { rules: c.rules, noMatch: c.noMatch ?? 'deny' };
    assert.deepEqual(checkAcl(acl, c.query), { allow: c.allow, ruleIndex: c.ruleIndex, partial: false });
  });
}

/** Issue 12, 5.1: `deny test/nosubscribe` beside `allow #`, as an independent conformance suite sets it up. */
const denyOne = (eq: boolean): Acl => ({
  rules: [rule({ topic: 'test/nosubscribe', action: 'subscribe', permission: 'deny', eq }), rule({ topic: '#' })],
  noMatch: 'deny',
});
const sub = (topic: string): AclQuery => ({ action: 'subscribe', topic, qos: 0 });

for (const eq of [false, true]) {
  test(`refuse mode (eq=${eq}): a deny refuses every filter that overlaps it, and nothing else`, () => {
    for (const filter of ['#', '+/+', 'test/+', 'test/nosubscribe']) assert.equal(checkAcl(denyOne(eq), sub(filter)).allow, false, filter);
    assert.deepEqual(checkAcl(denyOne(eq), sub('test/other')), { allow: true, ruleIndex: 1, partial: false });
  });

  test(`check-deliveries mode (eq=${eq}): an overlapping filter is granted as partial, the denied topic itself refused`, () => {
    for (const filter of ['#', '+/+', 'test/+']) {
      assert.deepEqual(checkAcl(denyOne(eq), sub(filter), 'check-deliveries'), { allow: true, ruleIndex: 1, partial: true }, filter);
    }
    assert.deepEqual(checkAcl(denyOne(eq), sub('test/nosubscribe'), 'check-deliveries'), { allow: false, ruleIndex: 0, partial: false });
    assert.deepEqual(checkAcl(denyOne(eq), sub('other/+'), 'check-deliveries'), { allow: true, ruleIndex: 1, partial: false });
  });
}

test('check-deliveries mode: a deny that covers the filter still refuses it, and partial needs an allow', () => {
  const acl: Acl = { rules: [rule({ topic: 'a/#', action: 'subscribe', permission: 'deny' }), rule({ topic: 'a/b/#' })], noMatch: 'deny' };
  assert.equal(checkAcl(acl, sub('a/b/+'), 'check-deliveries').allow, false, 'a/# covers a/b/+');
  const onlyDeny: Acl = { rules: [rule({ topic: 'x/y', action: 'subscribe', permission: 'deny' })], noMatch: 'deny' };
  assert.deepEqual(checkAcl(onlyDeny, sub('x/+'), 'check-deliveries'), { allow: false, ruleIndex: -1, partial: false });
  const noMatchAllow: Acl = { rules: onlyDeny.rules, noMatch: 'allow' };
  assert.deepEqual(checkAcl(noMatchAllow, sub('x/+'), 'check-deliveries'), { allow: true, ruleIndex: -1, partial: true });
});

test('an eq deny whose text has wildcards names only that filter', () => {
  const acl: Acl = { rules: [rule({ topic: 'a/#', action: 'subscribe', permission: 'deny', eq: true }), rule({ topic: '#' })], noMatch: 'deny' };
  assert.equal(checkAcl(acl, sub('a/#')).allow, false);
  assert.equal(checkAcl(acl, sub('a/+')).allow, true);
  assert.equal(checkAcl(acl, sub('a/b')).allow, true, 'a topic name never equals a text with wildcards');
});

const overlaps: Array<[string, string, boolean, string]> = [
  ['a/#', 'a', true, 'a/# matches a [MQTT-4.7.1-2]'],
  ['a/+', 'a', false, '+ needs a level [MQTT-4.7.1-3]'],
  ['a/+/c', '+/b/#', true, 'a/b/c matches both'],
  ['a/b', 'a/c', false, 'different literals'],
  ['#', '$SYS/x', false, '# does not reach $ topics [MQTT-4.7.2-1]'],
  ['$SYS/+', '$SYS/#', true, 'explicit $ prefixes'],
];
for (const [a, b, expected, why] of overlaps) {
  test(`filtersOverlap(${JSON.stringify(a)}, ${JSON.stringify(b)}) is ${expected}: ${why}`, () => {
    assert.equal(filtersOverlap(a, b), expected);
    assert.equal(filtersOverlap(b, a), expected, 'symmetric');
  });
}
