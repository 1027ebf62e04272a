import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issueDeviceToken } from '../issue-token.js';
import { AUDIENCE, ISSUER, createHarness } from './helpers.js';

test('a reconnect is decided without a promise; a first verification, a revocation and a fault keep their paths', async (t) => {
  const h = await createHarness(t);
  h.registry.addDevice('dev-1');
  const issued = await issueDeviceToken(h.keys, h.clock, { deviceId: 'dev-1', issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 600 });
  h.registry.tokens.set(issued.jti, { kind: 'jwt', id: `tok-${issued.jti}`, jti: issued.jti, deviceId: 'dev-1', notAfter: null, revoked: false });
  const request = { clientId: 'dev-1', username: 'dev-1', password: issued.token };

  const first = h.decider.authenticateNow(request);
  assert.ok(first instanceof Promise, 'the signature check waits');
  assert.equal((await first).allow, true);
  const again = h.decider.authenticateNow(request);
  assert.ok(!(again instanceof Promise), 'a token verified before is decided at once');
  assert.equal(again.allow, true);

  h.registry.tokens.get(issued.jti)!.revoked = true;
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  const revoked = h.decider.authenticateNow(request);
  assert.ok(!(revoked instanceof Promise));
  assert.deepEqual([revoked.allow, revoked.allow ? null : revoked.reason], [false, 'revoked']);

  h.registry.broken = true;
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' }); // the cached records go: the next login reads the registry
  assert.throws(() => h.decider.authenticateNow(request), { code: 'ERR_STORE_UNAVAILABLE' });
  await assert.rejects(h.decider.authenticate(request), { code: 'ERR_STORE_UNAVAILABLE' }, 'the promise API rejects as before');
});
