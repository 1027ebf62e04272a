import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { InvalidHashError, KeyUnavailableError, VerifierError } from '../errors.js';
import { issueDeviceToken } from '../issue-token.js';
import { hashPassword, verifyPassword } from '../password.js';
import { generateSigningKey } from '../signing-keys.js';
import { createTestKeyRing, TestClock } from './helpers.js';
import { certFingerprint, fingerprintsEqual } from '../x509.js';

test('hashPassword salts scrypt and verifyPassword accepts only the same secret', async () => {
  const a = await hashPassword('s3cret');
  const b = await hashPassword('s3cret');
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, 'salted');
  assert.equal(await verifyPassword('s3cret', a), true);
  assert.equal(await verifyPassword('s3cret ', a), false);
});

test('verifyPassword rejects malformed or hostile stored hashes with ERR_INVALID_HASH', async () => {
  for (const stored of ['plain', 'scrypt$16384$8$1$c2FsdA==', 'bcrypt$16384$8$1$c2FsdA==$aGFzaA==', 'scrypt$1099511627776$8$1$c2FsdA==$aGFzaA==', 'scrypt$1000$8$1$c2FsdA==$aGFzaA==']) {
    await assert.rejects(verifyPassword('x', stored), { code: 'ERR_INVALID_HASH' }, stored);
  }
  assert.ok(new InvalidHashError('x') instanceof VerifierError);
});

test('certFingerprint is the SHA-256 of the DER, from PEM or DER', async () => {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=dev-042, O=Acme',
    notBefore: new Date('2026-01-01'),
    notAfter: new Date('2027-01-01'),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const der = new Uint8Array(cert.rawData);
  const expected = createHash('sha256').update(der).digest('hex');
  assert.equal(certFingerprint(cert.toString('pem')), expected);
  assert.equal(certFingerprint(der), expected);
  assert.ok(fingerprintsEqual(expected.toUpperCase().replace(/(..)(?!$)/g, '$1:'), expected));
  assert.ok(!fingerprintsEqual(expected, 'a'.repeat(64)));
  assert.throws(() => certFingerprint('not a certificate'));
});

for (const alg of ['EdDSA', 'ES256'] as const) {
  test(`generateSigningKey(${alg}) gives an extractable pair named by its thumbprint`, async () => {
    const key = await generateSigningKey(alg);
    assert.equal(key.alg, alg);
    assert.equal(key.publicJwk.kid, key.kid);
    assert.equal(key.publicJwk.d, undefined, 'the public half has no private part');
    assert.ok(key.privateJwk.d);
    await importJWK(key.privateJwk, alg);
  });
}

test('issueDeviceToken signs iss, aud, sub, iat, exp and jti with the active key', async () => {
  const keys = await createTestKeyRing();
  const clock = new TestClock();
  const issued = await issueDeviceToken(keys, clock, { deviceId: 'dev-1', issuer: 'iss', audience: 'aud', ttlSeconds: 60, jti: 'j-1' });
  const iat = Math.floor(clock.now() / 1000);
  assert.deepEqual(decodeJwt(issued.token), { iss: 'iss', aud: 'aud', sub: 'dev-1', iat, exp: iat + 60, jti: 'j-1' });
  assert.deepEqual(decodeProtectedHeader(issued.token), { alg: 'EdDSA', kid: keys.generated.kid, typ: 'JWT' });
  assert.deepEqual({ jti: issued.jti, expiresAt: issued.expiresAt }, { jti: 'j-1', expiresAt: iat + 60 });
  await jwtVerify(issued.token, keys.verificationKey(keys.generated.kid)!.key, { currentDate: new Date(clock.now()) });
});

test('issueDeviceToken without a usable signing key fails with ERR_KEY_UNAVAILABLE', async () => {
  const keys = {
    verificationKey: () => undefined,
    activeSigningKey: () => {
      throw new Error('no keys');
    },
  };
  await assert.rejects(issueDeviceToken(keys, new TestClock(), { deviceId: 'd', issuer: 'i', audience: 'a', ttlSeconds: 1 }), { code: KeyUnavailableError.code });
});
