import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import pino from 'pino';
import mqttPacket, { type IConnackPacket, type IDisconnectPacket } from 'mqtt-packet';
import { allow, deny } from '../authorizers/static.js';
import type { AuthenticateRequest } from '../../schemas/index.js';
import { connectClient, rawClient, startBroker, closedWithin, type Harness } from './helpers.js';

/** Connects and resolves with the CONNACK reason code (0 = accepted). */
function connackCode(t: import('node:test').TestContext, h: Harness, version: 4 | 5, options: mqtt.IClientOptions = {}): Promise<number> {
  const client = mqtt.connect(h.url, { protocolVersion: version, reconnectPeriod: 0, clientId: 'dev-1', ...options });
  t.after(() => client.end(true));
  return new Promise((resolve) => {
    client.once('connect', (ack) => resolve(ack.reasonCode ?? ack.returnCode ?? 0));
    client.once('error', (err) => resolve((err as { code?: number }).code ?? -1));
  });
}

for (const [name, decision, v4, v5] of [
  ['bad credentials', deny('bad_credentials'), 0x04, 0x86],
  ['a revoked device', deny('revoked'), 0x05, 0x87],
  ['an unavailable authorizer', 'unavailable', 0x03, 0x88],
] as const) {
  test(`CONNECT with ${name} is refused with 3.1.1 code ${v4} and 5.0 code 0x${v5.toString(16)}`, async (t) => {
    const h = await startBroker(t, decision);
    assert.equal(await connackCode(t, h, 4), v4);
    assert.equal(await connackCode(t, h, 5), v5);
    assert.equal(h.broker.stats().refusedConnects, 2);
  });
}

test('an authorizer that does not answer in time is treated as unavailable', async (t) => {
  const h = await startBroker(t, () => new Promise(() => {}), { limits: { authTimeoutMs: 100 } });
  assert.equal(await connackCode(t, h, 5), 0x88);
});

test('an authorizer that throws instead of answering is unavailable (0x88), not a dropped connection', async (t) => {
  const h = await startBroker(t);
  h.authorizer.authenticate = () => {
    throw new Error('authorizer bug');
  };
  assert.equal(await connackCode(t, h, 5), 0x88);
});

test('CONNECTs left unanswered are each refused at their own deadline while one answered is let in', async (t) => {
  const h = await startBroker(t, (request) => (request.clientId === 'fast' ? allow() : new Promise(() => {})), { limits: { authTimeoutMs: 300 } });
  const started = Date.now();
  const first = connackCode(t, h, 5, { clientId: 'slow-1' }).then((code) => [code, Date.now() - started]);
  await new Promise((resolve) => setTimeout(resolve, 150));
  const second = connackCode(t, h, 5, { clientId: 'slow-2' }).then((code) => [code, Date.now() - started]);
  assert.equal(await connackCode(t, h, 5, { clientId: 'fast' }), 0);
  const [[firstCode, firstAt], [secondCode, secondAt]] = await Promise.all([first, second]);
  assert.deepEqual([firstCode, secondCode], [0x88, 0x88]);
  assert.ok(firstAt! >= 290 && secondAt! >= 440, `refused at ${firstAt} ms and ${secondAt} ms, not before their 300 ms deadlines`);
  assert.ok(secondAt! > firstAt!, 'the later CONNECT is refused later');
});

test('frames sent behind a CONNECT wait for its decision and then run in order', async (t) => {
  let answer: (() => void) | undefined;
  const h = await startBroker(t, () => new Promise((resolve) => (answer = () => resolve(allow()))));
  const raw = await rawClient(t, h, 4);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'eager', clean: true, keepalive: 30 });
  while (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  raw.send({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'a/b', qos: 0 }] });
  raw.send({ cmd: 'pingreq' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(raw.packets.length, 0, 'nothing answered before the CONNACK');
  answer();
  assert.deepEqual([(await raw.next()).cmd, (await raw.next()).cmd, (await raw.next()).cmd], ['connack', 'suback', 'pingresp']);
});

test('the authorizer gets client id, username, the password as UTF-8, peer address, protocol and how long it may take', async (t) => {
  const seen: AuthenticateRequest[] = [];
  const h = await startBroker(t, (request) => (seen.push(request), allow()));
  assert.equal(await connackCode(t, h, 4, { username: 'u', password: 'pä55' }), 0);
  const { answerWithinMs, ...rest } = seen[0]!;
  assert.deepEqual(rest, { clientId: 'dev-1', username: 'u', password: 'pä55', certFingerprint: undefined, peerAddress: '127.0.0.1', protocol: 'mqtt311' });
  assert.ok(answerWithinMs! > 0 && answerWithinMs! < 5000, `answerWithinMs ${answerWithinMs} is within the default 5 s authorizer timeout`);
});

test('an allow whose credential already expired is refused as not authorized', async (t) => {
  const h = await startBroker(t, allow(undefined, { expiresAt: Math.floor(Date.now() / 1000) - 10 }));
  assert.equal(await connackCode(t, h, 5), 0x87);
});

test('3.1.1 refuses an empty client id with a persistent session (0x02)', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h, 4);
  const frame = Buffer.from(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: '', clean: true, keepalive: 30 }));
  frame[9] = 0x00; // clear Clean Session (mqtt-packet refuses to build this packet)
  raw.send(frame);
  assert.equal(((await raw.next()) as IConnackPacket).returnCode, 0x02);
  await closedWithin(raw);
});

test('5.0 assigns a client id when the client sends none', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h, 5);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: '', clean: true, keepalive: 30 });
  const ack = (await raw.next()) as IConnackPacket;
  assert.equal(ack.reasonCode, 0);
  assert.match(ack.properties?.assignedClientIdentifier ?? '', /^auto-/);
  assert.equal(ack.properties?.topicAliasMaximum, 32);
});

test('a duplicate client id takes the session over and the old 5.0 connection gets DISCONNECT 0x8E', async (t) => {
  const h = await startBroker(t);
  const first = await rawClient(t, h, 5);
  first.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'same', clean: true, keepalive: 30 });
  await first.next();
  await connectClient(t, h, { clientId: 'same' });
  const disconnect = (await first.next()) as IDisconnectPacket;
  assert.equal(disconnect.cmd, 'disconnect');
  assert.equal(disconnect.reasonCode, 0x8e);
  await closedWithin(first);
});

test('a CONNECT naming an authentication method is refused with 0x8C', async (t) => {
  const h = await startBroker(t);
  assert.equal(await connackCode(t, h, 5, { properties: { authenticationMethod: 'SCRAM-SHA-1' } }), 0x8c);
});

test('the server keep alive overrides a 5.0 client keep alive and is announced in CONNACK', async (t) => {
  const h = await startBroker(t, undefined, { serverKeepAlive: 20 });
  const raw = await rawClient(t, h, 5);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'k', clean: true, keepalive: 300 });
  const ack = (await raw.next()) as IConnackPacket;
  assert.equal(ack.properties?.serverKeepAlive, 20);
});

test('PINGREQ is answered with PINGRESP', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h, 4);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'p', clean: true, keepalive: 30 });
  await raw.next();
  raw.send({ cmd: 'pingreq' });
  assert.equal((await raw.next()).cmd, 'pingresp');
});

test('packets sent right behind CONNECT wait for the decision and are then processed in order', async (t) => {
  const h = await startBroker(t, () => new Promise((resolve) => setTimeout(() => resolve(allow()), 100)));
  const raw = await rawClient(t, h, 4);
  raw.send(
    Buffer.concat([
      mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'eager', clean: true, keepalive: 30 }),
      mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'e', qos: 0 }] }),
      mqttPacket.generate({ cmd: 'publish', topic: 'e', payload: Buffer.from('self'), qos: 0, retain: false, dup: false }),
    ]),
  );
  assert.deepEqual([(await raw.next()).cmd, (await raw.next()).cmd, (await raw.next()).cmd], ['connack', 'suback', 'publish']);
});

test('closing the broker sends 5.0 clients DISCONNECT 0x8B and closes every connection', async (t) => {
  const h = await startBroker(t);
  const v5 = await rawClient(t, h, 5);
  v5.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'five', clean: true, keepalive: 30 });
  await v5.next();
  const v4 = await rawClient(t, h, 4);
  v4.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'four', clean: true, keepalive: 30 });
  await v4.next();
  await h.broker.close();
  assert.equal(((await v5.next()) as IDisconnectPacket).reasonCode, 0x8b);
  await closedWithin(v5);
  await closedWithin(v4);
  assert.equal(h.broker.stats().connections, 0);
});

test('an MQTT 3.1 (MQIsdp) client connects and is authenticated as mqtt31', async (t) => {
  const seen: AuthenticateRequest[] = [];
  const h = await startBroker(t, (request) => (seen.push(request), allow()));
  const client = await connectClient(t, h, { clientId: 'old-timer', protocolVersion: 3, protocolId: 'MQIsdp' });
  await client.subscribeAsync('x');
  assert.equal(seen[0]?.protocol, 'mqtt31');
});

test('a 5.0 DISCONNECT may not turn a session expiry of 0 into a persistent session (0x82)', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h, 5);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'e', clean: true, keepalive: 30 });
  await raw.next();
  raw.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x82);
  await closedWithin(raw);
  assert.equal(h.broker.stats().sessions, 0);
});

test('refusals are logged with client id and reason, and no log line carries the password', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const h = await startBroker(t, (req) => (req.password === 'right-pw' ? allow(undefined, { deviceId: 'dev-9' }) : deny('bad_credentials')), { logger });
  assert.equal(await connackCode(t, h, 5, { clientId: 'dev-9', username: 'u', password: 'wrong-pw' }), 0x86);
  assert.equal(await connackCode(t, h, 4, { clientId: 'dev-9', username: 'u', password: 'right-pw' }), 0);
  h.authorizer.setDecision(deny('revoked'));
  await h.broker.recheck({ kind: 'device', deviceId: 'dev-9' });
  const all = lines.join('\n');
  assert.ok(!all.includes('wrong-pw') && !all.includes('right-pw'), 'a password reached the log');
  const refusal = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'connect refused');
  assert.equal(refusal?.clientId, 'dev-9');
  assert.equal(refusal?.reason, 'bad_credentials');
  assert.ok(lines.some((l) => l.includes('"reason":"revoked"') && l.includes('"deviceId":"dev-9"')));
});
