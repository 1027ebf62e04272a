/**
 * The go-auth token cache: a decision is reused for at most its TTL, never past the credential's
 * expiry, per (token, client id), within a bounded number of entries; faults are not kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthenticateDecision, AuthenticateRequest } from '../../schemas/index.js';
import type { Decider } from '../../verifier/core/index.js';
import { TokenDecisionCache } from '../mosquitto-go-auth/token-cache.js';

function countingDecider(decide: (request: AuthenticateRequest) => AuthenticateDecision) {
  const calls: AuthenticateRequest[] = [];
  const decider: Decider = {
    authenticate: async (request) => {
      calls.push(request);
      return decide(request);
    },
    authorize: () => {
      throw new Error('not used');
    },
    rights: () => {
      throw new Error('not used');
    },
    isSuperuser: () => {
      throw new Error('not used');
    },
    onChange: () => () => undefined,
  };
  return { decider, calls };
}

const allowUntil = (expiresAt: number | null): AuthenticateDecision => ({
  allow: true,
  deviceId: 'bob',
  incarnation: 'bob-1',
  superuser: false,
  groups: [],
  credential: { kind: 'jwt' },
  expiresAt,
  acl: { rules: [], noMatch: 'deny' },
});

test('a decision is reused within the TTL and asked again after it', async () => {
  let now = 1_000_000;
  const { decider, calls } = countingDecider(() => allowUntil(null));
  const cache = new TokenDecisionCache(decider, { ttlMs: 10_000, now: () => now });
  await cache.decide('t', 'c');
  await cache.decide('t', 'c');
  assert.equal(calls.length, 1);
  now += 10_001;
  await cache.decide('t', 'c');
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[0], { clientId: 'c', username: 't' });
});

test('a decision is not reused past the credential expiry, nor for another client id', async () => {
  let now = 1_000_000;
  const { decider, calls } = countingDecider(() => allowUntil(1_002));
  const cache = new TokenDecisionCache(decider, { ttlMs: 60_000, now: () => now });
  await cache.decide('t', 'c');
  await cache.decide('t', 'other');
  assert.equal(calls.length, 2);
  now = 1_002_000;
  await cache.decide('t', 'c');
  assert.equal(calls.length, 3);
});

test('the oldest entry goes first when the cache is full, and faults are never kept', async () => {
  let fail = false;
  const { decider, calls } = countingDecider(() => {
    if (fail) throw new Error('store gone');
    return allowUntil(null);
  });
  const cache = new TokenDecisionCache(decider, { maxEntries: 2 });
  for (const token of ['a', 'b', 'c']) await cache.decide(token, 'x');
  await cache.decide('a', 'x');
  assert.equal(calls.length, 4);
  fail = true;
  await assert.rejects(cache.decide('z', 'x'));
  await assert.rejects(cache.decide('z', 'x'));
  assert.equal(calls.length, 6);
});

test('a registry change drops the device\'s allows and every deny at once; `all` drops everything', async () => {
  const { decider, calls } = countingDecider((request) =>
    request.username === 'bad' ? { allow: false, reason: 'bad_credentials' } : { ...allowUntil(null), deviceId: request.username === 'other' ? 'other' : 'bob' },
  );
  const cache = new TokenDecisionCache(decider, { ttlMs: 60_000 });
  for (const token of ['t', 'other', 'bad']) await cache.decide(token, 'c');
  cache.invalidate({ kind: 'device', deviceId: 'bob' });
  for (const token of ['t', 'other', 'bad']) await cache.decide(token, 'c');
  assert.deepEqual(calls.map((c) => c.username), ['t', 'other', 'bad', 't', 'bad'], 'other\'s allow stayed cached');
  cache.invalidate({ kind: 'all' });
  await cache.decide('other', 'c');
  assert.equal(calls.length, 6);
});
