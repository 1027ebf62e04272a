/**
 * The admin API's connections of a standalone broker (the LXC deployment's two processes): asked over
 * the broker's control socket with the webhook secret, a clear 503 when the broker is gone.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { startStandalone } from './standalone.js';

const SOCKET = 'broker-control.sock';

function controlStatus(socketPath: string, headers: Record<string, string>, path = '/clients'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a standalone verifier lists and disconnects the clients of the standalone broker, and says so when it is gone', { timeout: 120_000 }, async (t) => {
  const server = await startStandalone(t);
  assert.equal((await server.admin('/v1/admin/devices', { method: 'POST', body: { id: 'cam-9' } })).status, 201);
  assert.equal((await server.admin('/v1/admin/devices/cam-9/credentials', { method: 'POST', body: { kind: 'password', secret: 'correct horse battery' } })).status, 201);
  const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: 'cam-9', username: 'cam-9', password: 'correct horse battery', protocolVersion: 5, reconnectPeriod: 0 });
  t.after(() => client.end(true));
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));

  const listed = await server.admin('/v1/admin/connections');
  assert.equal(listed.status, 200);
  const { items } = (await listed.json()) as { items: Array<Record<string, unknown>> };
  assert.deepEqual(items.map((c) => [c.clientId, c.deviceId, c.protocol, c.transport]), [['cam-9', 'cam-9', 'mqtt5', 'tcp']]);
  const paged = (await (await server.admin('/v1/admin/connections?limit=1&cursor=cam-9')).json()) as { items: unknown[]; nextCursor: string | null };
  assert.deepEqual(paged, { items: [], nextCursor: null }, 'the page query reaches the broker');

  const reason = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));
  assert.equal((await server.admin('/v1/admin/connections/cam-9/disconnect', { method: 'POST' })).status, 204);
  assert.equal(await reason, 0x98, 'administrative action');
  assert.equal((await server.admin('/v1/admin/connections/cam-9/disconnect', { method: 'POST' })).status, 404);

  const socketPath = join(server.dataDir, SOCKET);
  assert.equal(statSync(socketPath).mode & 0o777, 0o600, 'only the service user may connect');
  assert.equal(await controlStatus(socketPath, {}), 401, 'no secret, no answer');
  assert.equal(await controlStatus(socketPath, { 'x-arra-secret': 'not-the-webhook-secret-at-all' }), 401);
  const secret = readFileSync(join(server.dataDir, 'webhook-secret'), 'utf8').trim();
  assert.equal(await controlStatus(socketPath, { 'x-arra-secret': secret }), 200);
  assert.equal(await controlStatus(socketPath, { 'x-arra-secret': secret }, '/clients?limit=0'), 400, 'the broker checks the page query too');

  await server.stopBroker();
  const gone = await server.admin('/v1/admin/connections');
  assert.equal(gone.status, 503, 'fails closed');
  const body = (await gone.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'unavailable');
  assert.ok(body.error.message.includes(socketPath), body.error.message);
  assert.match(body.error.message, /arra-mq-broker/);
  assert.ok(!server.output().includes(secret), 'the webhook secret is in no log line');
});
