import assert from 'node:assert/strict';
import crypto, { webcrypto } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { test, type TestContext } from 'node:test';
import { issueDeviceToken } from '../issue-token.js';
import { AUDIENCE, ISSUER, createHarness } from './helpers.js';

/**
 * A device with a recorded token, authenticated once (the full check), and a counter of signature
 * verifications from then on (jose verifies through WebCrypto).
 */
async function reconnecting(t: TestContext) {
  const h = await createHarness(t);
  h.registry.addDevice('dev-1');
  const issued = await issueDeviceToken(h.keys, h.clock, { deviceId: 'dev-1', issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 600 });
  h.registry.tokens.set(issued.jti, { kind: 'jwt', id: `tok-${issued.jti}`, jti: issued.jti, deviceId: 'dev-1', notAfter: null, revoked: false });
  const connect = () => h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: issued.token, peerAddress: '192.0.2.1' });
  assert.equal((await connect()).allow, true, 'the first connect verifies in full');
  const verify = t.mock.method(webcrypto.subtle, 'verify');
  return { h, issued, connect, signatureChecks: () => verify.mock.callCount() };
}

function reasonOf(decision: { allow: boolean; reason?: string }): string | undefined {
  return decision.allow ? undefined : decision.reason;
}

test('a token verified before is recognised on reconnect without a new signature check', async (t) => {
  const { connect, signatureChecks } = await reconnecting(t);
  const again = await Promise.all(Array.from({ length: 20 }, connect));
  assert.deepEqual(new Set(again.map((d) => d.allow)), new Set([true]));
  assert.equal(signatureChecks(), 0);
});

test('a token that never verified pays the signature check every time, even a forged one of a known device', async (t) => {
  const { h, issued, signatureChecks } = await reconnecting(t);
  const [header, payload] = issued.token.split('.');
  const forged = `${header}.${payload}.${Buffer.alloc(64, 7).toString('base64url')}`;
  for (let i = 0; i < 2; i++) {
    const decision = await h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: forged });
    assert.equal(reasonOf(decision), 'bad_credentials');
  }
  assert.equal(signatureChecks(), 2, 'a failed check is never remembered');
});

test('revoking a token verified before refuses its next connect at once', async (t) => {
  const { h, issued, connect } = await reconnecting(t);
  h.registry.tokens.get(issued.jti)!.revoked = true;
  assert.equal(reasonOf(await connect()), 'revoked');
});

test('disabling the device of a token verified before refuses its next connect at once', async (t) => {
  const { h, connect } = await reconnecting(t);
  h.registry.devices.get('dev-1')!.enabled = false;
  assert.equal(reasonOf(await connect()), 'disabled');
});

test('retiring the signing key of a token verified before refuses its next connect at once', async (t) => {
  const { h, connect } = await reconnecting(t);
  h.keys.verificationKey = () => undefined;
  assert.equal(reasonOf(await connect()), 'bad_credentials');
});

test('a token verified before is refused once its exp passes (beyond the clock tolerance)', async (t) => {
  const { h, connect } = await reconnecting(t);
  h.clock.advance(600);
  assert.equal((await connect()).allow, true, 'within the 5 s tolerance');
  h.clock.advance(5);
  assert.equal(reasonOf(await connect()), 'expired');
});

test('a token record that expires refuses a token verified before at once', async (t) => {
  const { h, issued, connect } = await reconnecting(t);
  h.registry.tokens.get(issued.jti)!.notAfter = h.clock.now();
  assert.equal(reasonOf(await connect()), 'expired');
});

test('a token verified before is not borrowed by another username', async (t) => {
  const { h, issued } = await reconnecting(t);
  h.registry.addDevice('dev-2');
  const decision = await h.decider.authenticate({ clientId: 'dev-2', username: 'dev-2', password: issued.token });
  assert.equal(reasonOf(decision), 'bad_credentials');
});

test('a first connect hashes its token for the verified memory once, not at every step', async (t) => {
  const h = await createHarness(t);
  h.registry.addDevice('dev-1');
  const issued = await issueDeviceToken(h.keys, h.clock, { deviceId: 'dev-1', issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 600 });
  h.registry.tokens.set(issued.jti, { kind: 'jwt', id: `tok-${issued.jti}`, jti: issued.jti, deviceId: 'dev-1', notAfter: null, revoked: false });
  const hash = t.mock.method(crypto, 'hash');
  syncBuiltinESMExports();
  t.after(() => syncBuiltinESMExports());
  const decision = await h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: issued.token, peerAddress: '192.0.2.1' });
  assert.equal(decision.allow, true);
  assert.equal(hash.mock.callCount(), 2, 'one HMAC (two hashes) for the lockout step, the recall and the signature check together');
});
