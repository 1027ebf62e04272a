/**
 * The opt-in push to EMQX's REST API: a device change kicks the device's EMQX clients (those EMQX
 * lists with the device id as client id or username), authenticated with the API key; a change to
 * everything kicks nobody; a failing API is logged without the secret and breaks nothing. EMQX is not
 * on this machine, so a real HTTP server on 127.0.0.1 answers in its place and records the calls.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { loadConfig, ConfigError } from '../../verifier/config.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { REPLAY_ENV } from './fixtures.js';
import { DeviceCreate, RuleCreate } from '../../schemas/admin.js';

const API_SECRET = 'emqx-api-secret-value-0123';

/** EMQX's `GET /clients?clientid=|username=` and `DELETE /clients/{id}`, recorded. */
async function fakeEmqxApi(t: TestContext, status = 200) {
  const calls: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    calls.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    if (status !== 200) return void res.writeHead(status).end();
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') {
      const data = url.searchParams.get('clientid') === 'dev-1' ? [{ clientid: 'dev-1' }] : url.searchParams.get('username') === 'dev-1' ? [{ clientid: 'dev-1-b' }] : [];
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, meta: { count: data.length } }));
    }
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { calls, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v5` };
}

async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('disabling a device kicks its EMQX clients by client id and by username, with the API key', async (t) => {
  const emqx = await fakeEmqxApi(t);
  const v = await startTestVerifier(t, {
    env: { ...REPLAY_ENV, ARRA_EMQX_API_URL: emqx.url, ARRA_EMQX_API_KEY: 'arra-key', ARRA_EMQX_API_SECRET: API_SECRET },
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
    },
  });
  const deletes = () => emqx.calls.filter((c) => c.method === 'DELETE').length;
  // Creating the device was a change too (nothing to kick in real life; this fake always lists two).
  await until(() => deletes() === 2);
  emqx.calls.length = 0;
  await v.useCases.patchDevice('dev-1', { enabled: false });
  await until(() => deletes() === 2);
  assert.deepEqual(emqx.calls.filter((c) => c.method === 'DELETE').map((c) => c.url).sort(), ['/api/v5/clients/dev-1', '/api/v5/clients/dev-1-b']);
  const basic = `Basic ${Buffer.from(`arra-key:${API_SECRET}`).toString('base64')}`;
  assert.ok(emqx.calls.every((c) => c.authorization === basic));
  assert.ok(v.logs().some((line) => line.msg === 'emqx clients kicked after a registry change' && line.kicked === 2));
});

test('a failing EMQX API is logged without its secret; a change to everything kicks nobody', async (t) => {
  const emqx = await fakeEmqxApi(t, 500);
  const v = await startTestVerifier(t, {
    env: { ...REPLAY_ENV, ARRA_EMQX_API_URL: emqx.url, ARRA_EMQX_API_KEY: 'arra-key', ARRA_EMQX_API_SECRET: API_SECRET },
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
    },
  });
  const failures = () => v.logs().filter((line) => line.msg === 'emqx kick failed').length;
  await until(() => failures() === 1); // the device's creation
  emqx.calls.length = 0;
  await v.useCases.createRule(RuleCreate.parse({ subject: { kind: 'all' }, action: 'publish', topic: 'x/#', permission: 'allow' }));
  await v.useCases.deleteDevice('dev-1');
  await until(() => failures() === 2);
  assert.equal(emqx.calls.length, 1, 'only the removed device was looked up; the rule change for all kicked nobody');
  assert.doesNotMatch(JSON.stringify(v.logs()), new RegExp(API_SECRET));
  assert.doesNotMatch(JSON.stringify(v.logs()), new RegExp(Buffer.from(`arra-key:${API_SECRET}`).toString('base64')));
});

test('ARRA_EMQX_API_URL without the key and secret is a configuration error', () => {
  assert.throws(() => loadConfig({ ARRA_EMQX_API_URL: 'http://127.0.0.1:18083/api/v5' }), (err) => err instanceof ConfigError && /ARRA_EMQX_API_KEY/.test(err.message));
});
