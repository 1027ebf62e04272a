/**
 * Every place a presented secret meets the stored one compares in constant time: the admin token
 * (`Secret.matches`), the broker shared secret (the adapters' guard), passwords (`verifyPassword`)
 * and certificate fingerprints (`fingerprintsEqual`). The test replaces `crypto.timingSafeEqual` with
 * a recording wrapper (`syncBuiltinESMExports` makes the named imports see it) and checks that each
 * helper's answer came from it, right and wrong.
 *
 * @module reliability/security-constant-time-compare
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import Fastify from 'fastify';
import { BlockList } from 'node:net';
import { createGuard } from '../broker-adapters/index.js';
import { fingerprintsEqual, hashPassword, Secret, verifyPassword } from '../verifier/core/index.js';
import { recordResult } from './harness.js';

const SECRET = 'a-long-shared-secret-0123456789';

test('admin token, broker secret, password and fingerprint comparisons all go through timingSafeEqual', async (t) => {
  const calls: Array<{ lengths: [number, number]; result: boolean }> = [];
  const real = crypto.timingSafeEqual;
  t.mock.method(crypto, 'timingSafeEqual', (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    const result = real(a, b);
    calls.push({ lengths: [a.byteLength, b.byteLength], result });
    return result;
  });
  syncBuiltinESMExports();
  t.after(() => {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  });

  const counted = async (helper: () => boolean | Promise<boolean>) => {
    const before = calls.length;
    const answer = await helper();
    const used = calls.slice(before);
    return { answer, calls: used.length, agrees: used.length > 0 && used.at(-1)!.result === answer };
  };

  const admin = new Secret(SECRET);
  const app = Fastify();
  app.addHook('onRequest', createGuard({ webhookSecret: SECRET, allowList: new BlockList() }));
  app.get('/x', async () => 'ok');
  app.setErrorHandler((_err, _req, reply) => reply.code(403).send('no'));
  t.after(() => app.close());
  const guard = (secret: string) => async () => (await app.inject({ method: 'GET', url: '/x', headers: { 'x-arra-secret': secret } })).statusCode === 200;
  const hash = await hashPassword('device-password-1');
  const fp = 'ab'.repeat(32);

  const results = {
    adminRight: await counted(() => admin.matches(SECRET)),
    adminWrong: await counted(() => admin.matches(`${SECRET}x`)),
    guardRight: await counted(guard(SECRET)),
    guardWrong: await counted(guard('wrong-secret-of-another-length')),
    passwordRight: await counted(() => verifyPassword('device-password-1', hash)),
    passwordWrong: await counted(() => verifyPassword('device-password-2', hash)),
    fingerprintRight: await counted(() => fingerprintsEqual(fp, fp.toUpperCase())),
    fingerprintWrong: await counted(() => fingerprintsEqual(fp, 'cd'.repeat(32))),
  };
  recordResult('security-constant-time', { results });
  for (const [name, r] of Object.entries(results)) {
    assert.equal(r.answer, name.endsWith('Right'), `${name} gives the right answer`);
    assert.ok(r.agrees, `${name}: the answer came from timingSafeEqual (${r.calls} calls)`);
  }
});
