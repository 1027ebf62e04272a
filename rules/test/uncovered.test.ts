import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAcl, topicMatches, uncoveredTopics, type Acl, type AclEntry, type UncoveredPart } from '../index.js';

function rule(topic: string, fields: Partial<AclEntry> = {}): AclEntry {
  return { permission: 'allow', action: 'all', eq: false, topic, ...fields };
}

const inPart = (part: UncoveredPart, topic: string) => topicMatches(part.filter, topic) && !part.except.some((f) => topicMatches(f, topic));

/** Every topic of up to `depth` levels over a few names, `$` names included. */
function topics(depth: number): string[] {
  const names = ['a', 'b', 'c', '$s'];
  let level = names;
  const all = [...level];
  for (let d = 1; d < depth; d++) {
    level = level.flatMap((t) => names.filter((n) => !n.startsWith('$')).map((n) => `${t}/${n}`));
    all.push(...level);
  }
  return all;
}

/** The parts must hold exactly the topics of the filter that the ACL, asked topic by topic, refuses. */
function assertExact(filter: string, acl: Acl): void {
  const { parts, truncated } = uncoveredTopics(filter, acl, 1);
  assert.equal(truncated, false);
  for (const topic of topics(4).filter((t) => topicMatches(filter, t))) {
    const refused = !checkAcl(acl, { action: 'subscribe', topic, qos: 1 }).allow;
    const holders = parts.filter((p) => inPart(p, topic));
    assert.equal(holders.length, refused ? 1 : 0, `${filter} ${topic}: ${JSON.stringify(parts)}`);
  }
  for (const part of parts) assert.ok(inPart(part, part.example) && topicMatches(filter, part.example), `example of ${JSON.stringify(part)}`);
}

test('the uncovered parts are exactly the refused topics of the filter, in one part each', () => {
  const cases: Array<[string, Acl]> = [
    ['devices/#', { rules: [rule('devices/a/#'), rule('devices/b/temp')], noMatch: 'deny' }],
    ['devices/+/temp', { rules: [rule('devices/a/temp', { permission: 'deny' }), rule('devices/+/temp')], noMatch: 'deny' }],
    ['#', { rules: [rule('a/#'), rule('$s/#'), rule('b/+/c')], noMatch: 'deny' }],
    ['a/#', { rules: [rule('a'), rule('a/b/c/#', { permission: 'deny' }), rule('a/+/+')], noMatch: 'deny' }],
    ['+/+', { rules: [rule('a/b', { eq: true }), rule('+/c', { permission: 'deny' })], noMatch: 'allow' }],
    ['a/+/#', { rules: [rule('a/b/#', { action: 'publish' }), rule('a/c/#', { qos: [0] }), rule('a/+/c')], noMatch: 'deny' }],
  ];
  for (const [filter, acl] of cases) assertExact(filter, acl);
});

test('a filter an allow rule covers whole has no uncovered part; one no rule touches is one part, noMatch', () => {
  assert.deepEqual(uncoveredTopics('devices/x/#', { rules: [rule('devices/#')], noMatch: 'deny' }, 0), { parts: [], truncated: false });
  assert.deepEqual(uncoveredTopics('a/+', { rules: [rule('a/+', { eq: true })], noMatch: 'deny' }, 0).parts, [], 'an eq rule naming the filter itself');
  assert.deepEqual(uncoveredTopics('other/#', { rules: [rule('devices/#')], noMatch: 'deny' }, 0).parts, [{ filter: 'other/#', except: [], example: 'other', ruleIndex: -1 }]);
});

test('the parts name the deny rule that takes them and print as filters with exceptions', () => {
  const acl: Acl = { rules: [rule('devices/a/#'), rule('devices/b/#'), rule('devices/+/secret', { permission: 'deny' })], noMatch: 'deny' };
  assert.deepEqual(uncoveredTopics('devices/+/#', acl, 1).parts, [
    { filter: 'devices/+/secret', except: ['devices/a/secret', 'devices/b/secret'], example: 'devices/x/secret', ruleIndex: 2 },
    { filter: 'devices/+', except: ['devices/a', 'devices/b'], example: 'devices/x', ruleIndex: -1 },
    { filter: 'devices/+/+/#', except: ['devices/a/+/#', 'devices/b/+/#', 'devices/+/secret/#'], example: 'devices/x/x', ruleIndex: -1 },
    { filter: 'devices/+/secret/+/#', except: ['devices/a/secret/+/#', 'devices/b/secret/+/#'], example: 'devices/x/secret/x', ruleIndex: -1 },
  ]);
});

test('many rules stay bounded: at most the region and exception limits, marked truncated', () => {
  const rules = Array.from({ length: 200 }, (_, n) => rule(`devices/d${n}/+/x${n}`));
  const result = uncoveredTopics('devices/#', { rules, noMatch: 'deny' }, 1, { maxRegions: 16, maxExcept: 5 });
  assert.equal(result.truncated, true);
  assert.ok(result.parts.length <= 16);
  assert.ok(result.parts.every((p) => p.except.length <= 5));
});
