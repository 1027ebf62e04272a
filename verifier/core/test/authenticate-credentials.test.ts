import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthenticateDecision, type AuthenticateRequest } from '../../../schemas/index.js';
import { hashPassword } from '../password.js';
import { createHarness, type Harness } from './helpers.js';

const FP_1 = 'a'.repeat(64);
const FP_2 = 'b'.repeat(64);
const SUBJECT_1 = 'CN=dev-1,OU=fleet,O=Acme Devices,C=DE';
const DAY = 86_400_000;

function reasonOf(decision: AuthenticateDecision): string {
  return decision.allow ? 'allow' : decision.reason;
}

async function harness(t: Parameters<typeof createHarness>[0], config: Parameters<typeof createHarness>[1] = {}): Promise<Harness> {
  const h = await createHarness(t, config);
  h.registry.addDevice('dev-1');
  h.registry.addDevice('dev-2');
  h.registry.certificates.push(
    { kind: 'x509', id: 'cert-1', deviceId: 'dev-1', fingerprint: FP_1, subject: SUBJECT_1, notAfter: h.clock.now() + DAY, revoked: false },
    { kind: 'x509', id: 'cert-2', deviceId: 'dev-2', fingerprint: FP_2, subject: 'CN=dev-2', notAfter: null, revoked: false },
  );
  return h;
}

async function authenticate(h: Harness, request: Partial<AuthenticateRequest>, trustCertSubject = false) {
  return h.decider.authenticate({ clientId: 'dev-1', ...request }, { trustCertSubject });
}

test('a registered certificate fingerprint authenticates its device, expiring with the certificate', async (t) => {
  const h = await harness(t);
  const decision = await authenticate(h, { certFingerprint: FP_1.toUpperCase().replace(/(..)(?!$)/g, '$1:') });
  assert.ok(decision.allow);
  assert.deepEqual(decision.credential, { kind: 'x509', id: 'cert-1' });
  assert.equal(decision.expiresAt, Math.floor((h.clock.now() + DAY) / 1000));
});

test('an untrusted certificate subject is refused alone, even with anonymous access, and ignored beside a password', async (t) => {
  const h = await harness(t, { config: { allowAnonymous: true } });
  h.registry.passwords.push({ kind: 'password', id: 'pw-1', deviceId: 'dev-1', hash: await hashPassword('right-secret'), notAfter: null, revoked: false });
  const alone = await authenticate(h, { certSubject: SUBJECT_1 });
  assert.deepEqual(alone.allow ? alone : { reason: alone.reason, message: alone.message }, { reason: 'no_credentials', message: 'certificate-only login refused: trustCertSubject is off' });
  const withPassword = await authenticate(h, { certSubject: 'CN=dev-2', username: 'dev-1', password: 'right-secret' });
  assert.ok(withPassword.allow);
  assert.deepEqual(withPassword.credential, { kind: 'password', id: 'pw-1' });
});

test('certificate denials: unknown, revoked, expired, of another device, username of another device, malformed', async (t) => {
  const h = await harness(t);
  assert.equal(reasonOf(await authenticate(h, { certFingerprint: 'c'.repeat(64) })), 'bad_credentials');
  assert.equal(reasonOf(await authenticate(h, { certFingerprint: FP_2 })), 'clientid_mismatch', 'the cert of dev-2 cannot connect as dev-1');
  assert.equal(reasonOf(await authenticate(h, { certFingerprint: FP_1, username: 'dev-2' })), 'bad_credentials');
  assert.equal(reasonOf(await authenticate(h, { certFingerprint: 'xyz' })), 'invalid_request');
  h.clock.advance(2 * 86_400);
  assert.equal(reasonOf(await authenticate(h, { certFingerprint: FP_1 })), 'expired');
  h.registry.certificates[1]!.revoked = true;
  assert.equal(reasonOf(await authenticate(h, { clientId: 'dev-2', certFingerprint: FP_2 })), 'revoked');
});

test('a certificate subject counts only on routes that trust it, in any DN spelling', async (t) => {
  const h = await harness(t);
  assert.equal(reasonOf(await authenticate(h, { certSubject: SUBJECT_1 })), 'no_credentials', 'untrusted: the subject proves nothing');
  for (const spelling of ['C=DE, O=Acme Devices, OU=fleet, CN=dev-1', '/C=DE/O=Acme Devices/OU=fleet/CN=dev-1', SUBJECT_1]) {
    const decision = await authenticate(h, { certSubject: spelling }, true);
    assert.ok(decision.allow, spelling);
    assert.deepEqual(decision.credential, { kind: 'x509', id: 'cert-1' });
  }
});

test('a trusted certificate subject is denied when no usable certificate of that device has that subject', async (t) => {
  const h = await harness(t);
  assert.equal(reasonOf(await authenticate(h, { certSubject: 'CN=dev-1,O=Evil' }, true)), 'bad_credentials');
  assert.equal(reasonOf(await authenticate(h, { certSubject: 'CN=dev-1, O=Acme Devices, OU=fleet, C=DE, CN=dev-2' }, true)), 'bad_credentials');
  // NanoMQ's %C hands over the rest of the string after CN=: never taken as a device id.
  assert.equal(reasonOf(await authenticate(h, { certSubject: 'CN=dev-1, O=Acme Devices, OU=fleet' }, true)), 'bad_credentials');
  h.registry.certificates[0]!.revoked = true;
  assert.equal(reasonOf(await authenticate(h, { certSubject: SUBJECT_1 }, true)), 'revoked');
});

test('a password authenticates against any live password credential of the device', async (t) => {
  const h = await harness(t);
  h.registry.passwords.push(
    { kind: 'password', id: 'pw-old', deviceId: 'dev-1', hash: await hashPassword('old-secret'), notAfter: h.clock.now() + DAY, revoked: false },
    { kind: 'password', id: 'pw-new', deviceId: 'dev-1', hash: await hashPassword('new-secret'), notAfter: null, revoked: false },
  );
  const decision = await authenticate(h, { username: 'dev-1', password: 'new-secret' });
  assert.ok(decision.allow);
  assert.deepEqual(decision.credential, { kind: 'password', id: 'pw-new' });
  assert.equal(decision.expiresAt, null);
  const old = await authenticate(h, { username: 'dev-1', password: 'old-secret' });
  assert.ok(old.allow);
  assert.equal(old.expiresAt, Math.floor((h.clock.now() + DAY) / 1000));
  assert.ok(!h.logger.text().includes('secret'), 'no password in any log line');
});

test('a remembered right password still obeys revocation, and a changed password forgets the old one', async (t) => {
  const h = await harness(t);
  const credential = { kind: 'password' as const, id: 'pw-1', deviceId: 'dev-1', hash: await hashPassword('right-secret'), notAfter: null, revoked: false };
  h.registry.passwords.push(credential);
  assert.equal((await authenticate(h, { username: 'dev-1', password: 'right-secret' })).allow, true);
  assert.equal((await authenticate(h, { username: 'dev-1', password: 'right-secret' })).allow, true, 'recognised again');
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1', password: 'wrong-secret' })), 'bad_credentials');
  credential.revoked = true;
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1', password: 'right-secret' })), 'revoked');
  credential.revoked = false;
  credential.hash = await hashPassword('another-secret');
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1', password: 'right-secret' })), 'bad_credentials');
  assert.equal((await authenticate(h, { username: 'dev-1', password: 'another-secret' })).allow, true);
});

test('password denials: wrong, revoked, expired, unknown device, unusable username, no username', async (t) => {
  const h = await harness(t);
  h.registry.passwords.push(
    { kind: 'password', id: 'pw-1', deviceId: 'dev-1', hash: await hashPassword('right'), notAfter: h.clock.now() + 1000, revoked: false },
    { kind: 'password', id: 'pw-2', deviceId: 'dev-2', hash: await hashPassword('two'), notAfter: null, revoked: true },
  );
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1', password: 'wrong' })), 'bad_credentials');
  assert.equal(reasonOf(await authenticate(h, { clientId: 'dev-2', username: 'dev-2', password: 'two' })), 'revoked');
  assert.equal(reasonOf(await authenticate(h, { clientId: 'dev-9', username: 'dev-9', password: 'x' })), 'unknown_device');
  assert.equal(reasonOf(await authenticate(h, { username: 'sensors/+', password: 'x' })), 'invalid_request');
  assert.equal(reasonOf(await authenticate(h, { password: 'right' })), 'bad_credentials');
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1', password: 'right', clientId: 'dev-2' })), 'clientid_mismatch');
  h.clock.advance(2);
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1', password: 'right' })), 'expired');
});

test('a corrupt stored hash is logged and never matches', async (t) => {
  const h = await harness(t);
  h.registry.passwords.push({ kind: 'password', id: 'pw-bad', deviceId: 'dev-1', hash: 'plain-text', notAfter: null, revoked: false });
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1', password: 'plain-text' })), 'bad_credentials');
  assert.ok(h.logger.lines.some((l) => l.level === 'error' && l.msg === 'stored password hash unusable'));
});

test('a disabled device is denied with disabled, and a device may connect under another client id when not bound', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-2')!.requireClientIdMatch = false;
  assert.ok((await authenticate(h, { clientId: 'any/client', certFingerprint: FP_2 })).allow);
  h.registry.devices.get('dev-1')!.enabled = false;
  assert.equal(reasonOf(await authenticate(h, { certFingerprint: FP_1 })), 'disabled');
});

test('anonymous clients get the anonymous rules when allowed and no_credentials otherwise', async (t) => {
  const off = await harness(t);
  assert.equal(reasonOf(await authenticate(off, { clientId: 'guest' })), 'no_credentials');
  const on = await harness(t, { config: { allowAnonymous: true } });
  on.registry.addRule({ subject: { kind: 'anonymous' }, topic: 'public/#', action: 'subscribe' });
  on.registry.addRule({ subject: { kind: 'all' }, topic: 'devices/#' });
  const decision = await authenticate(on, { clientId: 'guest' });
  assert.ok(decision.allow);
  assert.equal(decision.deviceId, null);
  assert.deepEqual(decision.credential, { kind: 'anonymous' });
  assert.deepEqual(decision.acl.rules.map((r) => r.topic), ['public/#']);
  assert.equal(reasonOf(await authenticate(on, { clientId: 'guest', username: 'dev-1' })), 'no_credentials', 'a bare username is not anonymous');
});

test('control characters in the client id or username are an invalid request', async (t) => {
  const h = await harness(t);
  assert.equal(reasonOf(await authenticate(h, { clientId: 'dev\u0000-1', certFingerprint: FP_1 })), 'invalid_request');
  assert.equal(reasonOf(await authenticate(h, { username: 'dev-1\n', password: 'x' })), 'invalid_request');
});

test('a registry that throws makes authenticate reject with ERR_STORE_UNAVAILABLE and log the fault', async (t) => {
  const h = await harness(t);
  h.registry.broken = true;
  await assert.rejects(authenticate(h, { certFingerprint: FP_1 }), { code: 'ERR_STORE_UNAVAILABLE', name: 'StoreUnavailableError' });
  assert.equal(h.logger.lines.at(-1)?.level, 'error');
});

test('every decision is reported for metrics with kind, allow, reason and duration', async (t) => {
  const events: unknown[] = [];
  const h = await harness(t, { onDecision: (e) => events.push({ ...e, durationMs: typeof e.durationMs }) });
  await authenticate(h, { certFingerprint: FP_1 });
  await authenticate(h, { certFingerprint: 'c'.repeat(64) });
  assert.deepEqual(events, [
    { kind: 'authenticate', allow: true, durationMs: 'number' },
    { kind: 'authenticate', allow: false, reason: 'bad_credentials', durationMs: 'number' },
  ]);
});

test('allow and deny decisions match the wire contract exactly (the strict zod schema)', async (t) => {
  const h = await harness(t, { config: { allowAnonymous: true } });
  h.registry.addRule({ topic: 'devices/${device}/#', qos: [0, 1], retain: false });
  h.registry.addRule({ subject: { kind: 'anonymous' }, topic: 'public/#', eq: true, permission: 'deny' });
  const decisions = [
    await authenticate(h, { certFingerprint: FP_1 }),
    await authenticate(h, { clientId: 'guest' }),
    await authenticate(h, { certFingerprint: 'c'.repeat(64) }),
  ];
  for (const decision of decisions) assert.deepEqual(AuthenticateDecision.parse(decision), decision);
});
