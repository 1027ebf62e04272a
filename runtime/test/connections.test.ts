/** The admin API's view of the bundled broker's clients, as `npm start` wires them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { startAllInOne } from './all-in-one.js';

test('connections lists a connected MQTT client with its device, and disconnect ends it (5.0: 0x98)', async (t) => {
  const server = await startAllInOne(t);
  assert.equal((await server.admin('/v1/admin/devices', { method: 'POST', body: { id: 'cam-1' } })).status, 201);
  const pw = await server.admin('/v1/admin/devices/cam-1/credentials', { method: 'POST', body: { kind: 'password', secret: 'correct horse battery' } });
  assert.equal(pw.status, 201);
  const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: 'cam-1', username: 'cam-1', password: 'correct horse battery', protocolVersion: 5, reconnectPeriod: 0 });
  t.after(() => client.end(true));
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));

  const list = (await (await server.admin('/v1/admin/connections')).json()) as { items: Array<Record<string, unknown>> };
  assert.equal(list.items.length, 1);
  assert.deepEqual([list.items[0]!.clientId, list.items[0]!.deviceId, list.items[0]!.protocol, list.items[0]!.transport], ['cam-1', 'cam-1', 'mqtt5', 'tcp']);

  const reason = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));
  assert.equal((await server.admin('/v1/admin/connections/cam-1/disconnect', { method: 'POST' })).status, 204);
  assert.equal(await reason, 0x98);
  const missing = await server.admin('/v1/admin/connections/cam-1/disconnect', { method: 'POST' });
  assert.equal(missing.status, 404);
});

test('connections come a page at a time in client-id order, of one device when asked; a bad query names its field', async (t) => {
  const server = await startAllInOne(t);
  const ids = ['cam-c', 'cam-a', 'cam-b'];
  for (const id of ids) {
    assert.equal((await server.admin('/v1/admin/devices', { method: 'POST', body: { id } })).status, 201);
    assert.equal((await server.admin(`/v1/admin/devices/${id}/credentials`, { method: 'POST', body: { kind: 'password', secret: 'correct horse battery' } })).status, 201);
    const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: id, username: id, password: 'correct horse battery', reconnectPeriod: 0 });
    t.after(() => client.end(true));
    await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  }
  type Page = { items: Array<{ clientId: string; deviceId: string }>; nextCursor: string | null };
  const page = async (query: string) => (await (await server.admin(`/v1/admin/connections?${query}`)).json()) as Page;

  const first = await page('limit=2');
  assert.deepEqual([first.items.map((c) => c.clientId), first.nextCursor], [['cam-a', 'cam-b'], 'cam-b']);
  const second = await page(`limit=2&cursor=${first.nextCursor}`);
  assert.deepEqual([second.items.map((c) => c.clientId), second.nextCursor], [['cam-c'], null]);
  const own = await page('device=cam-b');
  assert.deepEqual([own.items.map((c) => c.deviceId), own.nextCursor], [['cam-b'], null]);

  const bad = await server.admin('/v1/admin/connections?limit=5000');
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(await bad.json()), /limit/);
});

test('a verifier without a broker answers connections with a 503 naming the control socket it asked', async (t) => {
  const v = await startTestVerifier(t);
  for (const [method, url] of [['GET', '/v1/admin/connections'], ['POST', '/v1/admin/connections/cam-1/disconnect']] as const) {
    const res = await v.admin({ method, url });
    assert.equal(res.statusCode, 503, url);
    assert.equal(res.json().error.code, 'unavailable');
    assert.match(res.json().error.message, /broker-control\.sock did not answer \(ENOENT\)/);
  }
});

test('a PUBLISH and a SUBSCRIBE the bundled broker refuses appear among the recent decisions', async (t) => {
  const server = await startAllInOne(t);
  await server.admin('/v1/admin/devices', { method: 'POST', body: { id: 'cam-2' } });
  await server.admin('/v1/admin/devices/cam-2/credentials', { method: 'POST', body: { kind: 'password', secret: 'correct horse battery' } });
  const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: 'cam-2', username: 'cam-2', password: 'correct horse battery', protocolVersion: 5, reconnectPeriod: 0 });
  t.after(() => client.end(true));
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  await client.publishAsync('not/allowed', 'x', { qos: 1 }).catch(() => undefined);
  await client.subscribeAsync('secret/#').catch(() => undefined);

  const deadline = Date.now() + 20_000;
  let items: Array<Record<string, unknown>> = [];
  while (Date.now() < deadline && items.length < 2) {
    items = ((await (await server.admin('/v1/admin/decisions?device=cam-2&reason=acl_denied')).json()) as { items: typeof items }).items;
    if (items.length < 2) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(items.map((d) => [d.broker, d.action, d.topic]), [['bundled', 'publish', 'not/allowed'], ['bundled', 'subscribe', 'secret/#']]);
});
