import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket, { type IConnackPacket, type IDisconnectPacket } from 'mqtt-packet';
import { closedWithin, rawClient, startBroker, sleep, type Harness } from './helpers.js';

const connect4 = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'raw', clean: true, keepalive: 30 });
const connect5 = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'raw', clean: true, keepalive: 30 }, { protocolVersion: 5 });

async function connected(t: import('node:test').TestContext, h: Harness, version: 4 | 5) {
  const raw = await rawClient(t, h, version);
  raw.send(version === 5 ? connect5 : connect4);
  assert.equal((await raw.next()).cmd, 'connack');
  return raw;
}

test('a packet before CONNECT closes the connection [MQTT-3.1.0-1]', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h);
  raw.send({ cmd: 'pingreq' });
  await closedWithin(raw);
  assert.equal(raw.packets.length, 0);
});

test('a second CONNECT gets DISCONNECT 0x82 on 5.0 and a close [MQTT-3.1.0-2]', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send(connect5);
  const packet = (await raw.next()) as IDisconnectPacket;
  assert.equal(packet.reasonCode, 0x82);
  await closedWithin(raw);
});

for (const level of [0x01, 0x84]) {
  test(`protocol level 0x${level.toString(16)} is answered with CONNACK 0x01 and a close`, async (t) => {
    const h = await startBroker(t);
    const raw = await rawClient(t, h);
    const frame = Buffer.from(connect4);
    frame[8] = level; // fixed header (2) + name length (2) + "MQTT" (4)
    raw.send(frame);
    assert.equal(((await raw.next()) as IConnackPacket).returnCode, 0x01);
    await closedWithin(raw);
  });
}

test('a CONNECT with the reserved flag set closes the connection [MQTT-3.1.2-3]', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h);
  const frame = Buffer.from(connect4);
  frame[9] = frame[9]! | 0x01;
  raw.send(frame);
  await closedWithin(raw);
});

test('3.1.1 password without username closes the connection [MQTT-3.1.2-22]', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h);
  const frame = Buffer.from(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'r', clean: true, keepalive: 30, username: 'u', password: Buffer.from('p') }));
  // Drop the username: clear its flag and cut its bytes (2-byte length + 'u').
  frame[9] = frame[9]! & ~0x80;
  const withoutUser = Buffer.concat([frame.subarray(0, 15), frame.subarray(18)]);
  withoutUser[1] = withoutUser.length - 2;
  raw.send(withoutUser);
  await closedWithin(raw);
});

test('a wildcard in a PUBLISH topic gets DISCONNECT 0x90 on 5.0 [MQTT-3.3.2-2]', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send({ cmd: 'publish', topic: 'a/+', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x90);
  await closedWithin(raw);
});

test('a 3.1.1 PUBLISH to a wildcard topic just closes the connection', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 4);
  raw.send({ cmd: 'publish', topic: 'a/#', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
  await closedWithin(raw);
});

test('a topic that is not valid UTF-8 gets DISCONNECT 0x81 [MQTT-1.5.3-1]', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  // PUBLISH QoS 0, topic of 2 bytes 0xC3 0x28 (invalid sequence), property length 0, payload 'x'.
  raw.send(Buffer.from([0x30, 0x06, 0x00, 0x02, 0xc3, 0x28, 0x00, 0x78]));
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x81);
  await closedWithin(raw);
});

test('a remaining length longer than four bytes closes the connection', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 4);
  raw.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
  await closedWithin(raw);
});

test('a packet larger than the maximum packet size gets DISCONNECT 0x95', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxPacketSize: 1024 } });
  const raw = await connected(t, h, 5);
  raw.send({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(2000), qos: 0, retain: false, dup: false });
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x95);
  await closedWithin(raw);
});

test('a truncated CONNECT does not crash the broker and is closed by the CONNECT timeout', async (t) => {
  const h = await startBroker(t, undefined, { limits: { connectTimeoutMs: 200 } });
  const raw = await rawClient(t, h);
  raw.send(connect4.subarray(0, 10));
  await closedWithin(raw, 2000);
  const ok = await connected(t, h, 4);
  assert.ok(ok);
});

test('a CONNECT whose remaining length is shorter than its content closes the connection', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h);
  const frame = Buffer.from(connect4);
  frame[1] = 8; // cuts the client id off mid-field
  raw.send(frame.subarray(0, 10));
  await closedWithin(raw);
});

test('a packet type 15 (AUTH) from a 3.1.1 client closes the connection', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 4);
  raw.send(Buffer.from([0xf0, 0x00]));
  await closedWithin(raw);
  await sleep(10);
});

test('a 5.0 AUTH packet without an authentication method gets DISCONNECT 0x82', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send({ cmd: 'auth', reasonCode: 0x18 }, 5);
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x82);
});

test('SUBSCRIBE with reserved header flags closes the connection [MQTT-3.8.1-1]', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 4);
  raw.send(Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]));
  await closedWithin(raw);
});

test('a 5.0 CONNECT with Receive Maximum 0 gets CONNACK 0x82 and a close', async (t) => {
  const h = await startBroker(t);
  const raw = await rawClient(t, h, 5);
  const frame = Buffer.from(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'rm0', clean: true, keepalive: 30, properties: { receiveMaximum: 1 } }, { protocolVersion: 5 }));
  frame[frame.indexOf(0x21) + 2] = 0; // property 0x21 Receive Maximum: 1 → 0 (mqtt-packet will not build 0)
  raw.send(frame);
  assert.equal(((await raw.next()) as IConnackPacket).reasonCode, 0x82);
  await closedWithin(raw);
});
