/**
 * The identity cache's bound and eviction order (second chance): a slot hit since the last eviction
 * walk survives one more round, a slot never hit goes first, and the size never exceeds the capacity.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AclCache, type ResolvedIdentity } from '../acl-cache.js';

const identity = (deviceId: string): ResolvedIdentity => ({
  deviceId,
  enabled: true,
  superuser: false,
  acl: { rules: [], noMatch: 'deny' },
  verdicts: new Map(),
});

function filled(capacity: number, keys: string[]): AclCache {
  const cache = new AclCache(capacity);
  for (const key of keys) cache.set(key, identity(key), [key]);
  return cache;
}

test('a new entry evicts the oldest entry that was not hit since it was stored', () => {
  const cache = filled(3, ['a', 'b', 'c']);
  assert.ok(cache.get('a'));
  cache.set('d', identity('d'), ['d']);
  assert.equal(cache.size, 3);
  assert.ok(cache.get('a'), 'a was hit, so it had a second chance');
  assert.equal(cache.get('b'), undefined, 'b was the oldest without a hit');
  assert.ok(cache.get('c'));
  assert.ok(cache.get('d'));
});

test('when every entry was hit, each loses its mark once and the oldest then goes', () => {
  const cache = filled(3, ['a', 'b', 'c']);
  for (const key of ['a', 'b', 'c']) cache.get(key);
  cache.set('d', identity('d'), ['d']);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('a'), undefined);
  assert.deepEqual(['b', 'c', 'd'].map((k) => !!cache.get(k)), [true, true, true]);
});

test('an evicted entry is gone from the name index too: invalidating its name touches nothing else', () => {
  const cache = filled(2, ['a', 'b']);
  cache.set('c', identity('c'), ['c']);
  cache.invalidate('a');
  assert.equal(cache.size, 2);
  cache.invalidate('b');
  assert.equal(cache.size, 1);
  assert.ok(cache.get('c'));
});

test('hits and misses are counted', () => {
  const cache = filled(2, ['a']);
  cache.get('a');
  cache.get('zz');
  assert.deepEqual({ hits: cache.hits, misses: cache.misses }, { hits: 1, misses: 1 });
});

test('a slot that leaves the cache is no longer live: evicted, invalidated, replaced or cleared', () => {
  const cache = filled(2, ['a', 'b']);
  const [a, b] = [cache.get('a')!, cache.get('b')!];
  cache.set('c', identity('c'), ['c']);
  cache.set('d', identity('d'), ['d']);
  assert.deepEqual([a.live, b.live], [false, false], 'evicted');
  const c = cache.get('c')!;
  cache.invalidate('c');
  assert.equal(c.live, false, 'invalidated');
  const d = cache.get('d')!;
  const newD = cache.set('d', identity('d'), ['d'])!;
  assert.deepEqual([d.live, newD.live], [false, true], 'replaced under its key');
  cache.clear();
  assert.equal(newD.live, false, 'cleared');
  assert.deepEqual([a, c, d, newD].map((slot) => slot.identity), [undefined, undefined, undefined, undefined], 'a slot out of the cache holds no identity');
});

test('a held slot counts as a hit when used', () => {
  const cache = filled(2, ['a']);
  const slot = cache.get('a')!;
  cache.use(slot);
  assert.equal(cache.hits, 2);
});

test('a cache of capacity 0 keeps no slot to hold', () => {
  assert.equal(new AclCache(0).set('a', identity('a'), ['a']), undefined);
});
