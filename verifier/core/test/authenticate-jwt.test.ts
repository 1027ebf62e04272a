import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { ExternalKeyNotFoundError } from '../errors.js';
import { issueDeviceToken } from '../issue-token.js';
import { AUDIENCE, ISSUER, createHarness, createTestKeyRing, type Harness } from './helpers.js';

/** Issues a token for `deviceId` with the harness's key and records its jti, as the admin API does. */
async function issueRecorded(h: Harness, deviceId: string, ttlSeconds = 3600) {
  const issued = await issueDeviceToken(h.keys, h.clock, { deviceId, issuer: ISSUER, audience: AUDIENCE, ttlSeconds });
  h.registry.tokens.set(issued.jti, { kind: 'jwt', id: `tok-${issued.jti}`, jti: issued.jti, deviceId, notAfter: null, revoked: false });
  return issued;
}

/** Signs arbitrary claims with the harness's active key (to craft nbf, wrong aud, ...), recording the jti. */
async function craft(h: Harness, claims: JWTPayload, record = true): Promise<string> {
  const { kid, alg, key } = h.keys.activeSigningKey();
  const now = Math.floor(h.clock.now() / 1000);
  const full = { iss: ISSUER, aud: AUDIENCE, sub: 'dev-1', iat: now, exp: now + 600, jti: 'crafted', ...claims };
  if (record) h.registry.tokens.set(String(full.jti), { kind: 'jwt', id: 'tok-crafted', jti: String(full.jti), deviceId: String(full.sub), notAfter: null, revoked: false });
  return new SignJWT(full).setProtectedHeader({ alg, kid }).sign(key);
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function harnessWithDevice(t: Parameters<typeof createHarness>[0]) {
  const h = await createHarness(t);
  h.registry.addDevice('dev-1', { groups: ['fleet'] });
  h.registry.addDevice('dev-2');
  return h;
}

test('a recorded token of the device in the password authenticates it, with exp as expiresAt', async (t) => {
  const h = await harnessWithDevice(t);
  const { token, jti, expiresAt } = await issueRecorded(h, 'dev-1');
  const decision = await h.decider.authenticate({ clientId: 'dev-1', password: token });
  assert.equal(decision.allow, true);
  assert.ok(decision.allow);
  assert.equal(decision.deviceId, 'dev-1');
  assert.deepEqual(decision.credential, { kind: 'jwt', id: `tok-${jti}` });
  assert.equal(decision.expiresAt, expiresAt);
  assert.deepEqual(decision.groups, ['fleet']);
  assert.ok(!h.logger.text().includes(token), 'the token never reaches the log');
});

test('a token sent as the username without a password (mosquitto-go-auth JWT mode) authenticates', async (t) => {
  const h = await harnessWithDevice(t);
  const { token } = await issueRecorded(h, 'dev-1');
  const decision = await h.decider.authenticate({ clientId: 'dev-1', username: token });
  assert.equal(decision.allow, true);
  assert.ok(!h.logger.text().includes(token));
});

test('an ES256 key ring issues and verifies tokens too', async (t) => {
  const h = await createHarness(t, { keys: await createTestKeyRing('ES256') });
  h.registry.addDevice('dev-1');
  const { token } = await issueRecorded(h, 'dev-1');
  assert.equal((await h.decider.authenticate({ clientId: 'dev-1', password: token })).allow, true);
});

const denials: Array<{ name: string; reason: string; token: (h: Harness) => Promise<string>; clientId?: string; username?: string }> = [
  {
    name: 'an unsigned token (alg none)',
    reason: 'bad_credentials',
    token: async (h) => `${b64url({ alg: 'none', kid: h.keys.generated.kid })}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'dev-1', jti: 'crafted', iat: 1, exp: 4e9 })}.`,
  },
  {
    name: 'an HS256 token keyed with our public key',
    reason: 'bad_credentials',
    token: async (h) => {
      const secret = new TextEncoder().encode(JSON.stringify(h.keys.generated.publicJwk));
      return new SignJWT({ sub: 'dev-1', jti: 'crafted' })
        .setProtectedHeader({ alg: 'HS256', kid: h.keys.generated.kid })
        .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(Math.floor(h.clock.now() / 1000)).setExpirationTime('1h')
        .sign(secret);
    },
  },
  {
    name: 'a token signed by a key with an unknown kid',
    reason: 'bad_credentials',
    token: async (h) => {
      const other = await createTestKeyRing();
      return (await issueDeviceToken(other, h.clock, { deviceId: 'dev-1', issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 })).token;
    },
  },
  {
    name: 'a token with our kid but a foreign signature',
    reason: 'bad_credentials',
    token: async (h) => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'dev-1', jti: 'x', iat: 1, exp: 4e9 })
        .setProtectedHeader({ alg: 'EdDSA', kid: h.keys.generated.kid }).sign(privateKey);
    },
  },
  { name: 'an expired token', reason: 'expired', token: (h) => craft(h, { exp: Math.floor(h.clock.now() / 1000) - 60 }) },
  { name: 'a token with nbf in the future', reason: 'not_yet_valid', token: (h) => craft(h, { nbf: Math.floor(h.clock.now() / 1000) + 600 }) },
  { name: 'a token issued in the future', reason: 'not_yet_valid', token: (h) => craft(h, { iat: Math.floor(h.clock.now() / 1000) + 600, exp: Math.floor(h.clock.now() / 1000) + 1200 }) },
  { name: 'a token for another audience', reason: 'bad_credentials', token: (h) => craft(h, { aud: 'someone-else' }) },
  { name: 'a token from an untrusted issuer', reason: 'bad_credentials', token: (h) => craft(h, { iss: 'https://evil.test' }) },
  { name: 'a token without jti', reason: 'bad_credentials', token: (h) => craft(h, { jti: undefined }, false) },
  { name: 'a token whose jti was never recorded', reason: 'bad_credentials', token: (h) => craft(h, { jti: 'unrecorded' }, false) },
  { name: 'a malformed token-shaped password', reason: 'bad_credentials', token: async () => 'abc.def.ghi' },
  { name: 'a token of dev-1 presented with client id dev-2', reason: 'clientid_mismatch', clientId: 'dev-2', token: async (h) => (await issueRecorded(h, 'dev-1')).token },
  { name: 'a token of dev-1 presented with username dev-2', reason: 'bad_credentials', username: 'dev-2', token: async (h) => (await issueRecorded(h, 'dev-1')).token },
  {
    name: 'a revoked token',
    reason: 'revoked',
    token: async (h) => {
      const { token, jti } = await issueRecorded(h, 'dev-1');
      h.registry.tokens.get(jti)!.revoked = true;
      return token;
    },
  },
  {
    name: 'a token whose record says it belongs to another device',
    reason: 'bad_credentials',
    token: async (h) => {
      const { token, jti } = await issueRecorded(h, 'dev-1');
      h.registry.tokens.get(jti)!.deviceId = 'dev-2';
      return token;
    },
  },
  {
    name: 'a token of a disabled device',
    reason: 'disabled',
    token: async (h) => {
      h.registry.devices.get('dev-1')!.enabled = false;
      return (await issueRecorded(h, 'dev-1')).token;
    },
  },
  { name: 'a token of a device no longer registered', reason: 'unknown_device', token: async (h) => (await issueRecorded(h, 'dev-gone')).token },
];

for (const c of denials) {
  test(`${c.name} is denied with ${c.reason}`, async (t) => {
    const h = await harnessWithDevice(t);
    const token = await c.token(h);
    const decision = await h.decider.authenticate({ clientId: c.clientId ?? 'dev-1', username: c.username, password: token });
    assert.deepEqual({ allow: decision.allow, reason: !decision.allow && decision.reason }, { allow: false, reason: c.reason });
    assert.ok(!h.logger.text().includes(token), 'the token never reaches the log');
    assert.equal(h.logger.lines.at(-1)?.level, 'warn');
  });
}

test('an expired token within the clock tolerance is still accepted', async (t) => {
  const h = await harnessWithDevice(t);
  const token = await craft(h, { exp: Math.floor(h.clock.now() / 1000) - 2 });
  assert.equal((await h.decider.authenticate({ clientId: 'dev-1', password: token })).allow, true);
});

test('a token of an external issuer authenticates a member of a group trusting that issuer', async (t) => {
  const external = await generateKeyPair('ES256');
  const calls: Array<{ kid?: string; alg?: string }> = [];
  const h = await createHarness(t, {
    externalKeys: {
      async resolve(_issuer, header) {
        calls.push(header);
        if (header.kid !== 'ext-1') throw new ExternalKeyNotFoundError('no such kid');
        return external.publicKey;
      },
    },
  });
  const issuer = { issuer: 'https://idp.test', jwksUrl: 'https://idp.test/jwks', audience: 'mqtt', algorithms: ['ES256', 'HS256'] };
  h.registry.groups.set('partners', { name: 'partners', externalIssuer: issuer });
  h.registry.addDevice('ext-dev', { groups: ['partners'] });
  h.registry.addDevice('outsider');
  const sign = (sub: string, kid = 'ext-1', aud = 'mqtt') =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(issuer.issuer).setAudience(aud).setSubject(sub)
      .setIssuedAt(Math.floor(h.clock.now() / 1000)).setExpirationTime(Math.floor(h.clock.now() / 1000) + 300).sign(external.privateKey);

  const allowed = await h.decider.authenticate({ clientId: 'ext-dev', password: await sign('ext-dev') });
  assert.ok(allowed.allow);
  assert.equal(allowed.credential.kind, 'jwt');
  assert.deepEqual(calls[0], { kid: 'ext-1', alg: 'ES256' });

  const outsider = await h.decider.authenticate({ clientId: 'outsider', password: await sign('outsider') });
  assert.deepEqual(!outsider.allow && outsider.reason, 'bad_credentials');
  const unknownKid = await h.decider.authenticate({ clientId: 'ext-dev', password: await sign('ext-dev', 'ext-9') });
  assert.deepEqual(!unknownKid.allow && unknownKid.reason, 'bad_credentials');
  const wrongAudience = await h.decider.authenticate({ clientId: 'ext-dev', password: await sign('ext-dev', 'ext-1', 'other') });
  assert.deepEqual(!wrongAudience.allow && wrongAudience.reason, 'bad_credentials');
  const unregistered = await h.decider.authenticate({ clientId: 'nobody', password: await sign('nobody') });
  assert.deepEqual(!unregistered.allow && unregistered.reason, 'unknown_device');
});

test('an unreachable external JWKS is a fault (ERR_EXTERNAL_JWKS), never an allow', async (t) => {
  const external = await generateKeyPair('ES256');
  const h = await createHarness(t, {
    externalKeys: {
      async resolve() {
        throw new Error('connect ECONNREFUSED');
      },
    },
  });
  h.registry.groups.set('partners', { name: 'partners', externalIssuer: { issuer: 'https://idp.test', jwksUrl: 'https://idp.test/jwks', audience: null, algorithms: ['ES256'] } });
  h.registry.addDevice('ext-dev', { groups: ['partners'] });
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setIssuer('https://idp.test').setSubject('ext-dev')
    .setExpirationTime(Math.floor(h.clock.now() / 1000) + 300).sign(external.privateKey);
  await assert.rejects(h.decider.authenticate({ clientId: 'ext-dev', password: token }), { code: 'ERR_EXTERNAL_JWKS' });
  assert.equal(h.logger.lines.at(-1)?.level, 'error');
});
