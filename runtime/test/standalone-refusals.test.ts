/**
 * Refusals the standalone broker makes itself (its ACL check, its subscription quota and filter limits, a
 * will its rights refuse, a client id that holds another identity's session) reach the standalone
 * verifier's recent decisions over HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startStandalone, type Standalone } from './standalone.js';

const PASSWORD = 'correct horse battery';

async function device(server: Standalone, id: string): Promise<void> {
  assert.equal((await server.admin('/v1/admin/devices', { method: 'POST', body: { id, requireClientIdMatch: false } })).status, 201);
  assert.equal((await server.admin(`/v1/admin/devices/${id}/credentials`, { method: 'POST', body: { kind: 'password', secret: PASSWORD } })).status, 201);
}

function connect(server: Standalone, options: IClientOptions): Promise<{ client: MqttClient; code: number }> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { password: PASSWORD, protocolVersion: 5, reconnectPeriod: 0, ...options });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client, code: 0 }));
    client.once('error', (err) => resolve({ client, code: (err as Error & { code?: number }).code ?? -1 }));
  });
}

async function decisions(server: Standalone, query: string, count: number): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 20_000;
  let items: Array<Record<string, unknown>> = [];
  while (Date.now() < deadline && items.length < count) {
    items = ((await (await server.admin(`/v1/admin/decisions?${query}`)).json()) as { items: typeof items }).items;
    if (items.length < count) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return items;
}

test('the standalone broker\'s own refusals appear among the verifier\'s recent decisions', { timeout: 120_000 }, async (t) => {
  const server = await startStandalone(t, { ARRA_MAX_SUBSCRIPTIONS_PER_CLIENT: '1', ARRA_MAX_FILTER_LENGTH: '64' });
  await device(server, 'cam-a');
  await device(server, 'cam-b');
  assert.equal((await server.admin('/v1/admin/rules', { method: 'POST', body: { subject: { kind: 'all' }, action: 'subscribe', topic: 'open/#', permission: 'allow' } })).status, 201);

  const a = await connect(server, { clientId: 'shared-id', username: 'cam-a', clean: false, properties: { sessionExpiryInterval: 300 } });
  assert.equal(a.code, 0);
  await a.client.publishAsync('not/allowed', 'x', { qos: 1 }).catch(() => undefined);
  await a.client.subscribeAsync('secret/#').catch(() => undefined);
  await a.client.subscribeAsync('open/1');
  const quota = (await a.client.subscribeAsync('open/2').catch((err: { packet?: { granted?: number[] } }) => err.packet?.granted)) as number[] | undefined;
  assert.deepEqual(quota, [0x97], 'quota exceeded');
  const long = `open/${'x'.repeat(80)}`;
  const tooLong = (await a.client.subscribeAsync(long).catch((err: { packet?: { granted?: number[] } }) => err.packet?.granted)) as number[] | undefined;
  assert.deepEqual(tooLong, [0x8f], 'topic filter invalid');
  await a.client.endAsync();
  const willing = await connect(server, { clientId: 'willing', username: 'cam-a', will: { topic: 'last/words', payload: Buffer.from('bye'), qos: 0, retain: false } });
  assert.equal(willing.code, 0);
  willing.client.stream.destroy(); // a lost connection: its will is due, and cam-a may not publish there

  const b = await connect(server, { clientId: 'shared-id', username: 'cam-b' });
  b.client.end(true);
  assert.equal(b.code, 0x87, 'the session belongs to cam-a: not authorized');

  const ofA = await decisions(server, 'device=cam-a&allow=false', 5);
  assert.deepEqual(ofA.map((d) => [d.clientId, d.reason, d.action, d.topic]), [
    ['shared-id', 'acl_denied', 'publish', 'not/allowed'],
    ['shared-id', 'acl_denied', 'subscribe', 'secret/#'],
    ['shared-id', 'quota_exceeded', 'subscribe', 'open/2'],
    ['shared-id', 'quota_exceeded', 'subscribe', long],
    ['willing', 'acl_denied', 'publish', 'last/words'],
  ]);
  assert.ok(ofA.every((d) => /^native /.test(d.broker as string)), JSON.stringify(ofA));
  assert.match(ofA[4]!.message as string, /will refused/);
  assert.equal(ofA[4]!.peerAddress, '127.0.0.1');
  const ofB = await decisions(server, 'device=cam-b&allow=false', 1);
  assert.deepEqual(ofB.map((d) => [d.kind, d.reason, d.clientId]), [['authenticate', 'clientid_mismatch', 'shared-id']]);
  assert.match(ofB[0]!.message as string, /session of another identity/);
});
