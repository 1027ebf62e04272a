/**
 * More of the class of issue 12, tried against the shipped service over real HTTP: identity confusion
 * between client id, username, certificate subject and dialect, and rights that outlive the token
 * that granted them. Each was an attack first; see RELIABILITY.md ("Identity model").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call } from './http.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { REPLAY_ENV } from './fixtures.js';
import { DeviceCreate, RuleCreate } from '../../schemas/admin.js';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function withGw(t: Parameters<typeof startTestVerifier>[0], trustCertSubject = false) {
  const v = await startTestVerifier(t, {
    env: { ...REPLAY_ENV, ARRA_TRUST_CERT_SUBJECT: String(trustCertSubject) },
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'gw', requireClientIdMatch: false }));
      await admin.createDevice(DeviceCreate.parse({ id: 'root', superuser: true, requireClientIdMatch: false }));
      await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'gw' }, permission: 'allow', action: 'all', topic: 'gw/#' }));
    },
  });
  return { v, token: (await v.issueToken('gw')).token };
}

test('a trusted certificate subject that names another device than the one authenticated gets nothing', async (t) => {
  const { v, token } = await withGw(t, true);
  const nano = (route: string, fields: Record<string, string>) => call(v.port, 'POST', `/nanomq/${route}`, { body: form(fields) });
  assert.equal((await nano('auth', { clientid: 'c1', username: 'gw', password: token })).status, 200);
  assert.equal((await nano('acl', { clientid: 'c1', username: 'gw', access: '2', topic: 'gw/up' })).status, 200);
  for (const route of ['superuser', 'acl']) {
    const res = await nano(route, { clientid: 'c1', username: 'gw', dn: 'CN=root,O=Acme', access: '1', topic: '#' });
    assert.equal(res.status, 403, `${route} with a subject naming root`);
  }
});

test('an authentication through one dialect lends nothing to another dialect\'s acl requests', async (t) => {
  const { v, token } = await withGw(t);
  assert.equal((await call(v.port, 'POST', '/nanomq/auth', { body: form({ clientid: 'c2', username: 'gw', password: token }) })).status, 200);
  const emqx = await call(v.port, 'POST', '/emqx/authz', { body: { clientid: 'c2', username: 'gw', action: 'publish', topic: 'gw/up' } });
  assert.equal(emqx.json().result, 'deny');
  const goAuth = await call(v.port, 'POST', '/go-auth/json/acl', { body: { clientid: 'c2', username: 'gw', acc: 2, topic: 'gw/up' } });
  assert.equal(goAuth.status, 403);
  const native = await call(v.port, 'POST', '/v1/authorize', { body: { clientId: 'c2', username: 'gw', action: 'publish', topic: 'gw/up' } });
  assert.equal(native.status, 403);
});

test('a username that only looks like the authenticated one (case, spaces) is not it', async (t) => {
  const { v, token } = await withGw(t);
  const nano = (route: string, fields: Record<string, string>) => call(v.port, 'POST', `/nanomq/${route}`, { body: form(fields) });
  assert.equal((await nano('auth', { clientid: 'c3', username: 'gw', password: token })).status, 200);
  for (const username of ['GW', 'gw ', ' gw', 'root']) {
    assert.equal((await nano('acl', { clientid: 'c3', username, access: '2', topic: 'gw/up' })).status, 403, JSON.stringify(username));
  }
});

test('acl rights end when the token that admitted the client expires (they used to last until it reconnected)', async (t) => {
  const { v } = await withGw(t);
  const shortToken = (await v.issueToken('gw', 2)).token;
  const nano = (route: string, fields: Record<string, string>) => call(v.port, 'POST', `/nanomq/${route}`, { body: form(fields) });
  assert.equal((await nano('auth', { clientid: 'c4', username: 'gw', password: shortToken })).status, 200);
  assert.equal((await nano('acl', { clientid: 'c4', username: 'gw', access: '2', topic: 'gw/up' })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 3100));
  assert.equal((await nano('acl', { clientid: 'c4', username: 'gw', access: '2', topic: 'gw/up' })).status, 403);
});
