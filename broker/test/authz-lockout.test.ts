/**
 * A lockout protects logins, not established sessions (issue 12): failed CONNECTs from an address
 * lock that address, and then a registry change re-checks the devices already connected from it;
 * those re-checks are not login attempts and never end a session. And while an address is slowed
 * down, its clients get a deny or an answer within the broker's timeout, never 0x88 "server
 * unavailable". With the verifier in process and over HTTP, real mqtt.js clients.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closesWithin, connectCode, connected, startAuthz } from './authz-helpers.js';

const SERVER_UNAVAILABLE = [0x88, 0x03];

for (const wiring of ['in-process', 'http'] as const) {
  test(`${wiring}: a locked-out address keeps its established sessions through a registry change`, async (t) => {
    const h = await startAuthz(t, { wiring, env: { ARRA_LOCKOUT_LOCK_AFTER: '3', ARRA_LOCKOUT_SLOW_AFTER: '100' } });
    const password = await h.device('steady');
    const steady = await connected(t, h.url, { clientId: 'steady', username: 'steady', password });
    for (let i = 0; i < 3; i++) {
      const { code } = await connectCode(t, h.url, { clientId: `guess-${i}`, username: `guess-${i}`, password: 'wrong-password-0' });
      assert.equal(code, 0x86);
    }
    const locked = await connectCode(t, h.url, { clientId: 'guess-9', username: 'guess-9', password: 'wrong-password-0' });
    assert.equal(locked.code, 0x87, 'the address is locked out now');

    const closed = closesWithin(steady, 2500);
    await h.rule('steady', { action: 'publish', topic: 'steady/#', permission: 'allow' }); // a registry change: re-check
    assert.equal(await closed, false, 'the re-check of an established session disconnected it (was DISCONNECT 0x87)');
    assert.equal(steady.connected, true);
  });

  test(`${wiring}: a slowed-down address gets denies or answers in time, never "server unavailable"`, async (t) => {
    const h = await startAuthz(t, { wiring, env: { ARRA_LOCKOUT_SLOW_AFTER: '1', ARRA_LOCKOUT_LOCK_AFTER: '1000' } });
    const password = await h.device('legit');
    const seen: Array<{ code: number; ms: number }> = [];
    for (let i = 0; i < 7; i++) {
      const started = Date.now();
      const { code } = await connectCode(t, h.url, { clientId: `guess-${i}`, username: `guess-${i}`, password: 'wrong-password-0' });
      seen.push({ code, ms: Date.now() - started });
    }
    const started = Date.now();
    const legit = await connectCode(t, h.url, { clientId: 'legit', username: 'legit', password });
    seen.push({ code: legit.code, ms: Date.now() - started });
    t.diagnostic(`CONNACK and ms per attempt: ${JSON.stringify(seen)}`);
    for (const { code, ms } of seen) {
      assert.ok(!SERVER_UNAVAILABLE.includes(code), `CONNACK ${code} after ${ms} ms: ${JSON.stringify(seen)}`);
      assert.ok([0, 0x86, 0x87].includes(code), `CONNACK ${code}`);
    }
    assert.ok(seen.some((s) => s.code === 0x87), `the slowed-down address was never denied: ${JSON.stringify(seen)}`);
  });
}
