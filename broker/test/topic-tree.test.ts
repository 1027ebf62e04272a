import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopicTree, type Matched } from '../routing/topic-tree.js';
import { Session, type Subscription } from '../state.js';

function session(clientId: string): Session {
  return new Session(clientId, 'anonymous', { deviceId: null, incarnation: null, clientId }, { superuser: false, acl: { rules: [], noMatch: 'allow' } });
}

function sub(clientId: string, filter: string, group?: string): Subscription {
  return { session: session(clientId), filter, group, qos: 0, nl: false, rap: false, rh: 0, checkEach: false };
}

function matches(tree: TopicTree<Subscription>, topic: string): string[] {
  const found: Matched<Subscription> = { subs: [], groups: [] };
  tree.collect(topic, found);
  return [...found.subs.map((s) => `${s.session.clientId}:${s.filter}`), ...found.groups.map((g) => `group:${g.members.length}`)].sort();
}

test('filters match by level with + and #, and a/# also matches a [MQTT-4.7.1-2]', () => {
  const tree = new TopicTree<Subscription>();
  for (const [id, filter] of [['1', 'a/b'], ['2', 'a/+'], ['3', 'a/#'], ['4', '#'], ['5', '+/+'], ['6', 'a/b/c']] as const) tree.add(sub(id, filter));
  assert.deepEqual(matches(tree, 'a/b'), ['1:a/b', '2:a/+', '3:a/#', '4:#', '5:+/+']);
  assert.deepEqual(matches(tree, 'a'), ['3:a/#', '4:#']);
  assert.deepEqual(matches(tree, 'a/b/c'), ['3:a/#', '4:#', '6:a/b/c']);
  assert.deepEqual(matches(tree, 'b//'), ['4:#']);
});

test('wildcards at the first level do not match $ topics [MQTT-4.7.2-1]', () => {
  const tree = new TopicTree<Subscription>();
  tree.add(sub('1', '#'));
  tree.add(sub('2', '+/x'));
  tree.add(sub('3', '$SYS/#'));
  assert.deepEqual(matches(tree, '$SYS/x'), ['3:$SYS/#']);
});

test('adding the same filter twice replaces it, and removing prunes empty nodes', () => {
  const tree = new TopicTree<Subscription>();
  const s = session('c');
  assert.equal(tree.add({ session: s, filter: 'a/b', qos: 0, nl: false, rap: false, rh: 0, checkEach: false }), true);
  assert.equal(tree.add({ session: s, filter: 'a/b', qos: 1, nl: false, rap: false, rh: 0, checkEach: false }), false);
  assert.equal(tree.size, 1);
  assert.equal(tree.remove('a/b', undefined, 'c'), true);
  assert.equal(tree.remove('a/b', undefined, 'c'), false);
  assert.equal(tree.size, 0);
  assert.deepEqual(matches(tree, 'a/b'), []);
});

test('share group members are grouped per filter and removed one by one', () => {
  const tree = new TopicTree<Subscription>();
  tree.add(sub('1', 'jobs/#', 'g'));
  tree.add(sub('2', 'jobs/#', 'g'));
  tree.add(sub('3', 'jobs/#', 'h'));
  assert.deepEqual(matches(tree, 'jobs/1'), ['group:1', 'group:2']);
  tree.remove('jobs/#', 'g', '1');
  assert.deepEqual(matches(tree, 'jobs/1'), ['group:1', 'group:1']);
  assert.equal(tree.size, 2);
});
