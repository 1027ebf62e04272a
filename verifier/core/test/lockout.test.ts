import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lockout, type LockoutKeys } from '../lockout.js';
import { issueDeviceToken } from '../issue-token.js';
import { hashPassword } from '../password.js';
import { AUDIENCE, ISSUER, createHarness, TestClock } from './helpers.js';

/** One attempt's view of the lockout, settled at once. */
async function probe(lockout: Lockout, keys: LockoutKeys) {
  const verdict = await lockout.begin(keys);
  if (!verdict.locked) lockout.end(keys);
  return verdict;
}

const config = { windowSeconds: 60, slowAfter: 2, lockAfter: 4, lockSeconds: 300, baseDelayMs: 100, maxDelayMs: 250, maxTrackedKeys: 3 };

test('failures slow down further attempts, growing and capped, then lock the device', async () => {
  const lockout = new Lockout(config, new TestClock());
  const keys = { device: 'dev-1' };
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    delays.push((await probe(lockout, keys)).delayMs);
    lockout.recordFailure(keys);
  }
  assert.deepEqual(delays, [0, 0, 100, 200]);
  assert.deepEqual(await probe(lockout, keys), { locked: true, delayMs: 0 });
  assert.deepEqual(lockout.stats(), { lockedDevices: 1, lockedAddresses: 0 });
});

test('attempts in flight use up the budget, so a burst waits instead of passing the lock before the first one fails', async () => {
  const lockout = new Lockout(config, new TestClock());
  const keys = { address: '10.0.0.66' };
  const first = await Promise.all(Array.from({ length: 4 }, () => lockout.begin(keys)));
  assert.deepEqual(first.map((v) => v.locked), [false, false, false, false]);
  assert.deepEqual(first.map((v) => v.delayMs), [0, 0, 0, 0], 'in flight is not failed: nobody is slowed down yet');
  let settled = 0;
  const waiting = Array.from({ length: 2 }, () => lockout.begin(keys).finally(() => settled++));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, 0, 'the fifth and sixth attempt wait while four are in flight');
  for (let i = 0; i < 4; i++) {
    lockout.recordFailure(keys);
    lockout.end(keys);
  }
  assert.deepEqual((await Promise.all(waiting)).map((v) => v.locked), [true, true], 'four failures lock the rest');
});

test('a burst of correct attempts from one address queues and gets through', async () => {
  const lockout = new Lockout(config, new TestClock());
  const keys = { address: '192.0.2.1' };
  const attempts = Array.from({ length: 40 }, async () => {
    const verdict = await lockout.begin(keys);
    if (!verdict.locked) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      lockout.end(keys);
    }
    return verdict.locked;
  });
  assert.deepEqual(await Promise.all(attempts), Array.from({ length: 40 }, () => false));
});

test('a busy address is not slowed down: only recorded failures delay an attempt', async () => {
  const lockout = new Lockout({ ...config, lockAfter: 100 }, new TestClock());
  const keys = { address: '192.0.2.9' };
  const busy = await Promise.all(Array.from({ length: 50 }, () => lockout.begin(keys)));
  assert.deepEqual(new Set(busy.map((v) => v.delayMs)), new Set([0]), '50 attempts in flight, none delayed');
  for (let i = 0; i < 2; i++) lockout.recordFailure(keys);
  assert.equal((await lockout.begin(keys)).delayMs, 100, 'two recorded failures (slowAfter 2) do delay the next one');
});

test('a queue of waiters is woken a place at a time, and all at once when the key locks', async () => {
  const lockout = new Lockout({ ...config, lockAfter: 2 }, new TestClock());
  const keys = { address: '198.51.100.4' };
  await Promise.all([lockout.begin(keys), lockout.begin(keys)]);
  const outcomes: boolean[] = [];
  const waiting = Array.from({ length: 200 }, () => lockout.begin(keys).then((v) => outcomes.push(v.locked)));
  await new Promise((resolve) => setImmediate(resolve));
  lockout.end(keys);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(outcomes, [false], 'one place freed, one waiter let in, 199 still waiting');
  lockout.recordFailure(keys);
  lockout.recordFailure(keys);
  lockout.end(keys);
  await Promise.all(waiting);
  assert.equal(outcomes.filter((locked) => locked).length, 199, 'the lock reached every waiter at once');
});

test('isLocked: a lock holds for an attempt that cannot be a guess, a full budget does not', async () => {
  const lockout = new Lockout(config, new TestClock());
  const keys = { device: 'dev-1', address: '192.0.2.10' };
  await Promise.all(Array.from({ length: 4 }, () => lockout.begin(keys)));
  assert.equal(lockout.isLocked(keys), false, 'four in flight fill the budget, but nothing failed');
  for (let i = 0; i < 4; i++) lockout.recordFailure({ address: keys.address });
  assert.equal(lockout.isLocked(keys), true, 'the address is locked');
  assert.equal(lockout.isLocked({ device: 'dev-1' }), false, 'the device alone is not');
});

test('the delay is capped at maxDelayMs', async () => {
  const lockout = new Lockout({ ...config, lockAfter: 10 }, new TestClock());
  for (let i = 0; i < 6; i++) lockout.recordFailure({ device: 'd' });
  assert.equal((await probe(lockout, { device: 'd' })).delayMs, 250);
});

test('failures leave the window, and a lock lifts after lockSeconds', async () => {
  const clock = new TestClock();
  const lockout = new Lockout(config, clock);
  lockout.recordFailure({ device: 'd' });
  lockout.recordFailure({ device: 'd' });
  clock.advance(61);
  assert.equal((await probe(lockout, { device: 'd' })).delayMs, 0, 'old failures forgotten');
  for (let i = 0; i < 4; i++) lockout.recordFailure({ device: 'd' });
  clock.advance(299);
  assert.equal((await probe(lockout, { device: 'd' })).locked, true);
  clock.advance(1);
  assert.deepEqual(await probe(lockout, { device: 'd' }), { locked: false, delayMs: 0 });
  assert.equal(lockout.stats().lockedDevices, 0);
});

test('tracked keys are bounded: the least recently failed is forgotten', async () => {
  const lockout = new Lockout(config, new TestClock());
  for (const device of ['a', 'b', 'c', 'd']) for (let i = 0; i < 4; i++) lockout.recordFailure({ device });
  assert.equal(lockout.stats().lockedDevices, 3);
  assert.equal((await probe(lockout, { device: 'a' })).locked, false);
  assert.equal((await probe(lockout, { device: 'd' })).locked, true);
});

test('authenticate: a guessed password locks that device, not another device, and success resets it', async (t) => {
  const h = await createHarness(t, { config: { lockout: { ...config, maxTrackedKeys: 100 } } });
  for (const id of ['dev-1', 'dev-2']) {
    h.registry.addDevice(id);
    h.registry.passwords.push({ kind: 'password', id: `pw-${id}`, deviceId: id, hash: await hashPassword(`${id}-secret`), notAfter: null, revoked: false });
  }
  const attempt = (id: string, password: string, peerAddress?: string) => h.decider.authenticate({ clientId: id, username: id, password, peerAddress });

  assert.equal((await attempt('dev-1', 'guess')).allow, false);
  assert.equal((await attempt('dev-1', 'dev-1-secret')).allow, true, 'a success before the lock resets the count');
  for (let i = 0; i < 4; i++) await attempt('dev-1', `guess-${i}`);
  assert.deepEqual(h.sleeps, [100, 200]);
  const locked = await attempt('dev-1', 'dev-1-secret');
  assert.deepEqual(!locked.allow && locked.reason, 'locked_out', 'refused without checking the (right) password');
  assert.equal((await attempt('dev-2', 'dev-2-secret')).allow, true, 'another device is unaffected');
  assert.equal(h.decider.stats().lockedDevices, 1);
  h.clock.advance(300);
  const burst = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((guess) => attempt('dev-1', guess)));
  assert.deepEqual(burst.map((d) => !d.allow && d.reason), ['bad_credentials', 'bad_credentials', 'bad_credentials', 'bad_credentials', 'locked_out', 'locked_out']);
  h.clock.advance(300);
  assert.equal((await attempt('dev-1', 'dev-1-secret')).allow, true, 'recovers after lockSeconds');
});

test('authenticate: many correct logins at once for one device and one address all get in', async (t) => {
  const h = await createHarness(t, { config: { lockout: { ...config, maxTrackedKeys: 100 } } });
  const device = h.registry.addDevice('dev-1');
  h.registry.passwords.push({ kind: 'password', id: 'p', deviceId: device.id, hash: await hashPassword('dev-1-secret'), notAfter: null, revoked: false });
  const logins = Array.from({ length: 20 }, () => h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: 'dev-1-secret', peerAddress: '192.0.2.1' }));
  assert.deepEqual((await Promise.all(logins)).map((d) => d.allow), Array.from({ length: 20 }, () => true));
});

test('authenticate: a password that verified before is neither slowed nor queued by a busy or failing address, but a lock holds', async (t) => {
  const h = await createHarness(t, { config: { lockout: { ...config, maxTrackedKeys: 100 } } });
  h.registry.addDevice('dev-1');
  h.registry.passwords.push({ kind: 'password', id: 'p', deviceId: 'dev-1', hash: await hashPassword('dev-1-secret'), notAfter: null, revoked: false });
  const login = (peerAddress: string) => h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: 'dev-1-secret', peerAddress });
  assert.equal((await login('192.0.2.1')).allow, true, 'the first login pays the scrypt');
  for (let i = 0; i < 3; i++) await h.decider.authenticate({ clientId: 'x', username: 'nobody', password: `guess-${i}`, peerAddress: '192.0.2.1' });
  h.sleeps.length = 0;
  const logins = await Promise.all(Array.from({ length: 30 }, () => login('192.0.2.1')));
  assert.deepEqual(new Set(logins.map((d) => d.allow)), new Set([true]), '30 at once from an address with 3 failures (budget 4) all get in');
  assert.deepEqual(h.sleeps, [], 'none of them waited a delay');
  await h.decider.authenticate({ clientId: 'x', username: 'nobody', password: 'guess-last', peerAddress: '192.0.2.1' });
  const locked = await login('192.0.2.1');
  assert.deepEqual(!locked.allow && locked.reason, 'locked_out', 'the address lock holds even for a known password');
});

test('authenticate: a storm of first connects with correct tokens from one address, many times the budget, all get in undelayed', async (t) => {
  const h = await createHarness(t, { config: { lockout: { ...config, maxTrackedKeys: 100 } } });
  const tokens = await Promise.all(Array.from({ length: 60 }, async (_, i) => {
    const id = `dev-${i}`;
    h.registry.addDevice(id);
    const issued = await issueDeviceToken(h.keys, h.clock, { deviceId: id, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 600 });
    h.registry.tokens.set(issued.jti, { kind: 'jwt', id: `tok-${i}`, jti: issued.jti, deviceId: id, notAfter: null, revoked: false });
    return { id, token: issued.token };
  }));
  const storm = await Promise.all(tokens.map(({ id, token }) => h.decider.authenticate({ clientId: id, username: id, password: token, peerAddress: '192.0.2.1' })));
  assert.deepEqual(new Set(storm.map((d) => d.allow)), new Set([true]), '60 first verifications at once through a budget of 4');
  assert.deepEqual(h.sleeps, [], 'none of them waited a delay');
  assert.equal(h.decider.stats().lockedAddresses, 0);
});

test('authenticate: failures from one address lock that address only', async (t) => {
  const h = await createHarness(t, { config: { lockout: { ...config, maxTrackedKeys: 100 } } });
  h.registry.addDevice('dev-1');
  h.registry.certificates.push({ kind: 'x509', id: 'c', deviceId: 'dev-1', fingerprint: 'a'.repeat(64), subject: null, notAfter: null, revoked: false });
  for (let i = 0; i < 4; i++) await h.decider.authenticate({ clientId: `probe-${i}/x`, certFingerprint: 'f'.repeat(64), peerAddress: '10.0.0.66' });
  const fromAttacker = await h.decider.authenticate({ clientId: 'dev-1', certFingerprint: 'a'.repeat(64), peerAddress: '10.0.0.66' });
  assert.deepEqual(!fromAttacker.allow && fromAttacker.reason, 'locked_out');
  assert.equal((await h.decider.authenticate({ clientId: 'dev-1', certFingerprint: 'a'.repeat(64), peerAddress: '10.0.0.7' })).allow, true);
  for (let i = 0; i < 6; i++) await h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', certFingerprint: 'f'.repeat(64) });
  assert.equal((await h.decider.authenticate({ clientId: 'dev-1', certFingerprint: 'a'.repeat(64) })).allow, true, 'naming a device with bogus certificates does not lock it');
  assert.deepEqual(h.decider.stats(), { lockedDevices: 0, lockedAddresses: 1, cache: { size: 0, hits: 0, misses: 0 }, admissions: 0 });
});
