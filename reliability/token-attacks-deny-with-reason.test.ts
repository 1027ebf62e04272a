/**
 * Token and certificate attacks end to end over HTTP (`POST /v1/authenticate` of a listening
 * verifier): every forged, stale, misdirected or revoked credential is denied, with the exact reason.
 *
 * @module reliability/token-attacks-deny-with-reason
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { postJson, recordResult } from './harness.js';
import { BROKER_HEADERS, startTestVerifier } from '../verifier/test/test-verifier.js';
import { DeviceCreate } from '../schemas/admin.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const fingerprint = (seed: string) => createHash('sha256').update(seed).digest('hex');

interface Attack {
  name: string;
  request: Record<string, unknown>;
  reason: string;
}

test('forged, stale, misdirected and revoked tokens and certificates are denied with the exact reason', async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_LOCKOUT_SLOW_AFTER: '100000', ARRA_LOCKOUT_LOCK_AFTER: '100000' } });
  for (const id of ['dev-a', 'dev-b']) await v.useCases.createDevice(DeviceCreate.parse({ id }));
  const fpA = fingerprint('a');
  const fpB = fingerprint('b');
  const fpRevoked = fingerprint('revoked');
  await v.useCases.registerCertificate('dev-b', { fingerprint: fpB, subject: 'CN=dev-b', notAfter: Date.now() + 86_400_000 });
  const revokedCert = await v.useCases.registerCertificate('dev-a', { fingerprint: fpRevoked, subject: 'CN=dev-a', notAfter: Date.now() + 86_400_000 });
  await v.useCases.revokeCredential('dev-a', revokedCert.id);

  const signing = v.useCases.keys.activeSigningKey();
  const { issuer, audience } = v.config;
  const now = Math.floor(Date.now() / 1000);
  const claims = (sub: string) => new SignJWT({}).setIssuer(issuer).setAudience(audience).setSubject(sub).setJti(`jti-${Math.random()}`);
  const ownHeader = { alg: signing.alg, kid: signing.kid, typ: 'JWT' };

  const good = await v.issueToken('dev-a', 3600);
  const revoked = await v.issueToken('dev-a', 3600);
  await v.useCases.revokeToken(revoked.jti);
  // The attacker's HMAC secret: the verifier's own public key, as published in the JWKS.
  const publicJwk = v.useCases.keys.publicJwks().keys.find((k) => k.kid === signing.kid)!;
  const spki = createPublicKey({ key: publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  const otherKey = generateKeyPairSync('ed25519').privateKey;

  const payload = { iss: issuer, aud: audience, sub: 'dev-a', iat: now, exp: now + 600, jti: good.jti };
  const attacks: Attack[] = [
    { name: 'alg none', request: { clientId: 'dev-a', username: 'dev-a', password: `${b64url({ alg: 'none', kid: signing.kid, typ: 'JWT' })}.${b64url(payload)}.` }, reason: 'bad_credentials' },
    {
      name: 'HS256 signed with the public key',
      request: { clientId: 'dev-a', username: 'dev-a', password: await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: signing.kid }).sign(Buffer.from(spki)) },
      reason: 'bad_credentials',
    },
    { name: 'unknown kid', request: { clientId: 'dev-a', username: 'dev-a', password: await claims('dev-a').setProtectedHeader({ ...ownHeader, kid: 'no-such-kid' }).setIssuedAt(now).setExpirationTime(now + 600).sign(signing.key) }, reason: 'bad_credentials' },
    { name: 'signed by another key under our kid', request: { clientId: 'dev-a', username: 'dev-a', password: await new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid: signing.kid }).sign(otherKey) }, reason: 'bad_credentials' },
    { name: 'expired', request: { clientId: 'dev-a', username: 'dev-a', password: await claims('dev-a').setProtectedHeader(ownHeader).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(signing.key) }, reason: 'expired' },
    { name: 'not yet valid', request: { clientId: 'dev-a', username: 'dev-a', password: await claims('dev-a').setProtectedHeader(ownHeader).setIssuedAt(now).setNotBefore(now + 3600).setExpirationTime(now + 7200).sign(signing.key) }, reason: 'not_yet_valid' },
    { name: 'wrong audience', request: { clientId: 'dev-a', username: 'dev-a', password: await claims('dev-a').setAudience('someone-else').setProtectedHeader(ownHeader).setIssuedAt(now).setExpirationTime(now + 600).sign(signing.key) }, reason: 'bad_credentials' },
    { name: 'token of device A presented as device B', request: { clientId: 'dev-b', username: 'dev-b', password: good.token }, reason: 'bad_credentials' },
    { name: 'replay of a revoked jti', request: { clientId: 'dev-a', username: 'dev-a', password: revoked.token }, reason: 'revoked' },
    { name: 'certificate of another device', request: { clientId: 'dev-a', username: 'dev-a', certFingerprint: fpB }, reason: 'bad_credentials' },
    { name: 'revoked certificate fingerprint', request: { clientId: 'dev-a', username: 'dev-a', certFingerprint: fpRevoked }, reason: 'revoked' },
    { name: 'unregistered certificate fingerprint', request: { clientId: 'dev-a', certFingerprint: fpA }, reason: 'bad_credentials' },
  ];

  const outcomes: Array<{ name: string; status: number; reason: unknown }> = [];
  for (const attack of attacks) {
    const answer = await postJson(v.url, '/v1/authenticate', attack.request, BROKER_HEADERS);
    outcomes.push({ name: attack.name, status: answer.status, reason: (answer.json as { reason?: unknown })?.reason });
  }
  // The legitimate token still works: the denies above are about the attack, not a broken service.
  const legit = await postJson(v.url, '/v1/authenticate', { clientId: 'dev-a', username: 'dev-a', password: good.token }, BROKER_HEADERS);
  recordResult('token-attacks', { attacks: outcomes.length, outcomes, legitimateStatus: legit.status });

  for (const [i, attack] of attacks.entries()) {
    assert.deepEqual(outcomes[i], { name: attack.name, status: 403, reason: attack.reason }, attack.name);
  }
  assert.equal(legit.status, 200);
});
