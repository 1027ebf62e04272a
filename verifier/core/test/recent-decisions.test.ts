import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentDecisions, type DecisionInput } from '../recent-decisions.js';

const base: DecisionInput = { kind: 'authorize', allow: false, reason: 'acl_denied', message: null, deviceId: 'd', clientId: 'd', broker: 'nanomq 10.0.0.5', peerAddress: null, credential: null, action: 'publish', topic: 't' };

function keep(recent: RecentDecisions, input: DecisionInput, ms: number): void {
  if (recent.keeps(input.allow, ms)) recent.record(input);
}

test('the record keeps the newest decisions only, up to its capacity, oldest first', () => {
  const recent = new RecentDecisions({ capacity: 3, allowsPerSecond: 10 }, () => 0);
  for (let i = 1; i <= 5; i++) keep(recent, { ...base, topic: `t/${i}` }, 0);
  const page = recent.query({ limit: 100 });
  assert.deepEqual(page.items.map((d) => d.topic), ['t/3', 't/4', 't/5']);
  assert.equal(page.last, 5);
  assert.deepEqual(recent.query({ after: 4, limit: 100 }).items.map((d) => d.seq), [5]);
});

test('every deny is kept, allows only up to the rate per second', () => {
  const recent = new RecentDecisions({ capacity: 100, allowsPerSecond: 2 }, () => 0);
  for (let i = 0; i < 5; i++) keep(recent, { ...base, allow: true, reason: null }, 100);
  for (let i = 0; i < 5; i++) keep(recent, base, 200);
  keep(recent, { ...base, allow: true, reason: null }, 1100);
  const all = recent.query({ limit: 100 }).items;
  assert.equal(all.filter((d) => d.allow).length, 3);
  assert.equal(all.filter((d) => !d.allow).length, 5);
  assert.equal(recent.query({ allow: false, limit: 100 }).items.length, 5);
});

test('a token-shaped client id or topic is not kept, and long text is cut', () => {
  const recent = new RecentDecisions({ capacity: 10, allowsPerSecond: 10 }, () => 0);
  const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
  keep(recent, { ...base, clientId: jwt, topic: 'x'.repeat(10_000) }, 0);
  const [item] = recent.query({ limit: 1 }).items;
  assert.equal(item!.clientId, '[token]');
  assert.ok(item!.topic!.length <= 257);
  assert.ok(!JSON.stringify(recent.query({ limit: 10 })).includes(jwt));
});

test('a wait answers when a matching decision arrives, and not for another device', async () => {
  const recent = new RecentDecisions({ capacity: 10, allowsPerSecond: 10 }, () => 0);
  const waiting = recent.wait({ device: 'mine', limit: 10, wait: 20 });
  keep(recent, { ...base, deviceId: 'other' }, 0);
  keep(recent, { ...base, deviceId: 'mine' }, 0);
  const page = await waiting;
  assert.deepEqual(page.items.map((d) => d.deviceId), ['mine']);
  const started = Date.now();
  const empty = await recent.wait({ device: 'nobody', after: page.last, limit: 10, wait: 1 });
  assert.deepEqual(empty.items, []);
  assert.ok(Date.now() - started >= 900);
});
