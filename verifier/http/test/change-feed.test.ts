import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChangeFeed } from '../change-feed.js';

const device = (deviceId: string) => ({ kind: 'device' as const, deviceId });

test('the ring keeps the newest changes in order and calls anything older too old', () => {
  const feed = new ChangeFeed({ capacity: 3, startRevision: 100 });
  for (const id of ['a', 'b', 'c', 'd', 'e']) feed.push(device(id));
  assert.equal(feed.revision, 105);
  assert.deepEqual(feed.since(102), { revision: 105, changes: [device('c'), device('d'), device('e')] });
  assert.deepEqual(feed.since(104), { revision: 105, changes: [device('e')] });
  assert.deepEqual(feed.since(105), { revision: 105, changes: [] });
  assert.equal(feed.since(101).changes, null, 'b fell out of the ring');
  assert.equal(feed.since(106).changes, null, 'a revision from the future is another process');
});

test('a waiter is answered by the next change, and one whose client left stops waiting', async () => {
  const feed = new ChangeFeed({ startRevision: 0 });
  const waiting = feed.wait(undefined, 10_000);
  feed.push({ kind: 'all' });
  assert.deepEqual(await waiting, { revision: 1, changes: [{ kind: 'all' }] });
  const gone = new AbortController();
  const abandoned = feed.wait(1, 10_000, gone.signal);
  gone.abort();
  assert.deepEqual(await abandoned, { revision: 1, changes: [] });
});

test('beyond maxWaiters a poll is answered at once instead of held', async () => {
  const feed = new ChangeFeed({ maxWaiters: 1, startRevision: 0 });
  const held = feed.wait(0, 10_000);
  assert.deepEqual(await feed.wait(0, 10_000), { revision: 0, changes: [] });
  feed.close();
  assert.deepEqual(await held, { revision: 0, changes: [] });
});

test('revisions given by a shared log may skip numbers; a since in a gap is answered, one below the kept ones is not', () => {
  const feed = new ChangeFeed({ capacity: 2, startRevision: 10 });
  feed.push(device('a'), 12);
  feed.push(device('b'), 15);
  feed.push(device('old'), 14);
  assert.deepEqual(feed.since(13), { revision: 15, changes: [device('b')] }, 'an older revision pushed late is dropped');
  assert.deepEqual(feed.since(10), { revision: 15, changes: [device('a'), device('b')] });
  feed.push(device('c'), 20);
  assert.deepEqual(feed.since(12), { revision: 20, changes: [device('b'), device('c')] });
  assert.equal(feed.since(11).changes, null, 'a fell out of the ring');
});
