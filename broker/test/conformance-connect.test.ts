/**
 * Raw-packet conformance of CONNECT and CONNACK: hand-written bytes in, the exact bytes (or the
 * close) out. Each test names the normative statement it proves; `broker/README.md` lists them.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closedWithin, hex, rawClient, sleep, startBroker, type Harness, type RawClient } from './helpers.js';

const MQTT = '00 04 4d 51 54 54';
const MQISDP = '00 06 4d 51 49 73 64 70';

/** Sends `connect` on a new raw client and waits for its CONNACK (or the close, when `closes`). */
async function connectWith(t: TestContext, h: Harness, version: 4 | 5, connect: Buffer): Promise<RawClient> {
  const raw = await rawClient(t, h, version);
  raw.send(connect);
  await Promise.race([raw.next(), raw.closed]);
  return raw;
}

/** Sends `connect` and expects the connection closed with nothing sent back. */
async function closesSilently(t: TestContext, h: Harness, version: 4 | 5, connect: Buffer): Promise<void> {
  const raw = await rawClient(t, h, version);
  raw.send(connect);
  await closedWithin(raw);
  assert.deepEqual(raw.takeBytes(), hex(''));
}

/** The CONNACK flags byte (Session Present) and reason of a 5.0 CONNACK, whatever its properties. */
function connack5(raw: RawClient): { flags: number; reason: number } {
  const bytes = raw.takeBytes();
  assert.equal(bytes[0], 0x20);
  return { flags: bytes[2]!, reason: bytes[3]! };
}

test('3.1.1: a username in the payload without the User Name Flag closes, no CONNACK [MQTT-3.1.2-18] [MQTT-3.1.4-1]', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 4, hex(`10 10 ${MQTT} 04 02 00 1e 00 01 63 00 01 75`));
});

test('5.0: a username in the payload without the User Name Flag closes, no CONNACK [MQTT-3.1.2-16] [MQTT-3.1.4-1]', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 5, hex(`10 11 ${MQTT} 05 02 00 1e 00 00 01 63 00 01 75`));
});

test('3.1.1: a password in the payload without the Password Flag closes [MQTT-3.1.2-20]', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 4, hex(`10 13 ${MQTT} 04 82 00 1e 00 01 63 00 01 75 00 01 70`));
});

test('3.1.1: a User Name Flag without the username in the payload closes [MQTT-3.1.2-19]', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 4, hex(`10 0d ${MQTT} 04 82 00 1e 00 01 63`));
});

test('5.0: a password without a username is allowed, with both flags matching the payload (5.0 §3.1.2.9)', async (t) => {
  const h = await startBroker(t);
  const raw = await connectWith(t, h, 5, hex(`10 11 ${MQTT} 05 42 00 1e 00 00 01 63 00 01 70`));
  assert.deepEqual(connack5(raw), { flags: 0, reason: 0 });
});

test('5.0: a CONNACK larger than the client Maximum Packet Size (2) is not sent; the connection closes [MQTT-3.1.2-24]', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 5, hex(`10 13 ${MQTT} 05 02 00 1e 05 27 00 00 00 02 00 01 63`));
});

test('5.0: a refusal CONNACK larger than the client Maximum Packet Size is not sent either [MQTT-3.1.2-24]', async (t) => {
  const h = await startBroker(t, { allow: false, reason: 'bad_credentials' });
  await closesSilently(t, h, 5, hex(`10 13 ${MQTT} 05 02 00 1e 05 27 00 00 00 04 00 01 63`));
});

test('5.0: a SUBACK larger than the client Maximum Packet Size is not sent; the connection closes [MQTT-3.1.2-24]', async (t) => {
  const h = await startBroker(t);
  const raw = await connectWith(t, h, 5, hex(`10 13 ${MQTT} 05 02 00 1e 05 27 00 00 00 18 00 01 63`)); // maximum 24 bytes
  assert.equal(connack5(raw).reason, 0);
  // 20 filters 'a'..'t' at QoS 0: the SUBACK would be 2 + 3 + 20 = 25 bytes.
  const filters = Array.from({ length: 20 }, (_, i) => `00 01 ${(0x61 + i).toString(16)} 00`).join(' ');
  raw.send(Buffer.concat([hex('82 53 00 01 00'), hex(filters)]));
  await closedWithin(raw);
  assert.deepEqual(raw.takeBytes(), hex(''));
});

test('3.1.1: Clean Session 1 then a takeover with Clean Session 0: session present 0, nothing of the old session kept [MQTT-3.1.2-6] [MQTT-3.2.2-2]', async (t) => {
  const h = await startBroker(t);
  const first = await connectWith(t, h, 4, hex(`10 0d ${MQTT} 04 02 00 1e 00 01 63`));
  assert.deepEqual(first.takeBytes(), hex('20 02 00 00'));
  first.send(hex('82 06 00 01 00 01 74 00'));
  assert.deepEqual((await first.next()).cmd, 'suback');
  const second = await connectWith(t, h, 4, hex(`10 0d ${MQTT} 04 00 00 1e 00 01 63`));
  assert.deepEqual(second.takeBytes(), hex('20 02 00 00'));
  await closedWithin(first);
  // The first session's subscription to 't' must not have survived into the second.
  const publisher = await connectWith(t, h, 4, hex(`10 0d ${MQTT} 04 02 00 1e 00 01 70`));
  publisher.send(hex('30 04 00 01 74 78'));
  await sleep(100);
  assert.deepEqual(second.takeBytes(), hex(''));
});

test('3.1.1: a Clean Session 0 session taken over by Clean Session 0 is present (the counterpart)', async (t) => {
  const h = await startBroker(t);
  const first = await connectWith(t, h, 4, hex(`10 0d ${MQTT} 04 00 00 1e 00 01 63`));
  assert.deepEqual(first.takeBytes(), hex('20 02 00 00'));
  const second = await connectWith(t, h, 4, hex(`10 0d ${MQTT} 04 00 00 1e 00 01 63`));
  assert.deepEqual(second.takeBytes(), hex('20 02 01 00'));
});

test('5.0: Session Expiry 0 then a takeover with Clean Start 0: session present 0 [MQTT-3.1.2-23] [MQTT-3.2.2-2]', async (t) => {
  const h = await startBroker(t);
  const first = await connectWith(t, h, 5, hex(`10 0e ${MQTT} 05 02 00 1e 00 00 01 63`));
  assert.deepEqual(connack5(first), { flags: 0, reason: 0 });
  // Clean Start 0, Session Expiry Interval 60.
  const second = await connectWith(t, h, 5, hex(`10 13 ${MQTT} 05 00 00 1e 05 11 00 00 00 3c 00 01 63`));
  assert.deepEqual(connack5(second), { flags: 0, reason: 0 });
});

test('5.0: Session Expiry 60 then a takeover with Clean Start 0: session present 1 (the counterpart)', async (t) => {
  const h = await startBroker(t);
  const first = await connectWith(t, h, 5, hex(`10 13 ${MQTT} 05 02 00 1e 05 11 00 00 00 3c 00 01 63`));
  assert.deepEqual(connack5(first), { flags: 0, reason: 0 });
  const second = await connectWith(t, h, 5, hex(`10 13 ${MQTT} 05 00 00 1e 05 11 00 00 00 3c 00 01 63`));
  assert.deepEqual(connack5(second), { flags: 1, reason: 0 });
});

test('5.0: a session whose expiry passed before the timer noticed is not present [MQTT-3.1.2-23]', async (t) => {
  const h = await startBroker(t, undefined, { limits: { tickMs: 60_000 } });
  // Session Expiry Interval 1 s; a normal DISCONNECT; back 1.3 s later with Clean Start 0.
  const first = await connectWith(t, h, 5, hex(`10 13 ${MQTT} 05 00 00 1e 05 11 00 00 00 01 00 01 63`));
  assert.deepEqual(connack5(first), { flags: 0, reason: 0 });
  first.send(hex('e0 00'));
  await closedWithin(first);
  await sleep(1300);
  const second = await connectWith(t, h, 5, hex(`10 13 ${MQTT} 05 00 00 1e 05 11 00 00 00 01 00 01 63`));
  assert.deepEqual(connack5(second), { flags: 0, reason: 0 });
});

test('5.0: a reconnect with Clean Start 1 before the Will Delay deletes the will [MQTT-3.1.2-8]', async (t) => {
  const h = await startBroker(t);
  const watcher = await connectWith(t, h, 5, hex(`10 0e ${MQTT} 05 02 00 1e 00 00 01 77`));
  connack5(watcher);
  watcher.send(hex('82 08 00 01 00 00 02 77 74 00')); // SUBSCRIBE 'wt' QoS 0
  assert.equal((await watcher.next()).cmd, 'suback');
  watcher.takeBytes();
  // Will flag, Session Expiry 60, will properties: Will Delay Interval 1 s; will topic 'wt', payload 'x'.
  const dying = await rawClient(t, h, 5);
  dying.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'd', clean: true, keepalive: 30, properties: { sessionExpiryInterval: 60 }, will: { topic: 'wt', payload: Buffer.from('x'), qos: 0, retain: false, properties: { willDelayInterval: 1 } } });
  assert.equal((await dying.next()).cmd, 'connack');
  dying.socket.destroy(); // no DISCONNECT: the will is armed, waiting for its delay
  await dying.closed;
  await sleep(100);
  const back = await connectWith(t, h, 5, hex(`10 0e ${MQTT} 05 02 00 1e 00 00 01 64`));
  assert.deepEqual(connack5(back), { flags: 0, reason: 0 });
  await sleep(1500);
  assert.deepEqual(watcher.takeBytes(), hex(''));
});

test('MQTT 3.1: an empty client id is refused with return code 2 (3.1: 1 to 23 characters)', async (t) => {
  const h = await startBroker(t);
  const raw = await connectWith(t, h, 4, hex(`10 0e ${MQISDP} 03 02 00 1e 00 00`));
  await closedWithin(raw);
  assert.deepEqual(raw.takeBytes(), hex('20 02 00 02'));
});

test('MQTT 3.1: a client id of 24 characters is refused with return code 2', async (t) => {
  const h = await startBroker(t);
  const id = Buffer.alloc(24, 'a').toString('hex');
  const raw = await connectWith(t, h, 4, hex(`10 26 ${MQISDP} 03 02 00 1e 00 18 ${id}`));
  await closedWithin(raw);
  assert.deepEqual(raw.takeBytes(), hex('20 02 00 02'));
});

test('MQTT 3.1: a resumed session is not signalled, the first CONNACK byte is reserved', async (t) => {
  const h = await startBroker(t);
  const id = Buffer.alloc(23, 'a').toString('hex');
  const connect = hex(`10 25 ${MQISDP} 03 00 00 1e 00 17 ${id}`); // Clean Session 0, 23 characters
  const first = await connectWith(t, h, 4, connect);
  assert.deepEqual(first.takeBytes(), hex('20 02 00 00'));
  first.send(hex('82 06 00 01 00 01 74 01')); // SUBSCRIBE 't' QoS 1
  assert.equal((await first.next()).cmd, 'suback');
  first.send(hex('e0 00'));
  await closedWithin(first);
  const publisher = await connectWith(t, h, 4, hex(`10 0d ${MQTT} 04 02 00 1e 00 01 70`));
  publisher.send(hex('32 06 00 01 74 00 01 78')); // QoS 1 to 't' while the 3.1 client is away
  assert.equal((await publisher.next()).cmd, 'puback');
  const second = await rawClient(t, h, 4);
  second.send(connect);
  assert.equal((await second.next()).cmd, 'connack');
  assert.equal((await second.next()).cmd, 'publish'); // the session was resumed...
  assert.deepEqual(second.takeBytes().subarray(0, 4), hex('20 02 00 00')); // ...and the CONNACK did not say so
});

test('3.1.1: a client id that is not well-formed UTF-8 closes, no CONNACK [MQTT-1.5.3-1]', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 4, hex(`10 0d ${MQTT} 04 02 00 1e 00 01 ff`));
});

test('3.1.1: Will QoS 3 closes, no CONNACK [MQTT-3.1.2-14]', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 4, hex(`10 13 ${MQTT} 04 1e 00 1e 00 01 63 00 01 77 00 01 78`));
});

test('5.0: Authentication Data without an Authentication Method closes (§3.1.2.11.10)', async (t) => {
  const h = await startBroker(t);
  await closesSilently(t, h, 5, hex(`10 12 ${MQTT} 05 02 00 1e 04 16 00 01 61 00 01 63`));
});

test('5.0: a will Response Topic with a wildcard is refused with CONNACK 0x82 [MQTT-3.3.2-14]', async (t) => {
  const h = await startBroker(t);
  const raw = await connectWith(t, h, 5, hex(`10 19 ${MQTT} 05 06 00 1e 00 00 01 63 04 08 00 01 23 00 01 77 00 01 78`));
  assert.deepEqual(connack5(raw), { flags: 0, reason: 0x82 });
  await closedWithin(raw);
});
