/**
 * Raw-packet conformance after CONNECT: hand-written bytes in, the exact bytes (or the close) out.
 * Each test names the normative statement it proves; `broker/README.md` lists them.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { closedWithin, hex, rawClient, sleep, startBroker, type Harness, type RawClient } from './helpers.js';

/** CONNECT, client id 'c' (or the one given, one character), clean, keep alive 30. */
const CONNECT = { 4: (id = 'c') => hex(`10 0d 00 04 4d 51 54 54 04 02 00 1e 00 01 ${hexOf(id)}`), 5: (id = 'c') => hex(`10 0e 00 04 4d 51 54 54 05 02 00 1e 00 00 01 ${hexOf(id)}`) };

function hexOf(char: string): string {
  return Buffer.from(char).toString('hex');
}

async function connected(t: TestContext, h: Harness, version: 4 | 5, id?: string): Promise<RawClient> {
  const raw = await rawClient(t, h, version);
  raw.send(CONNECT[version](id));
  const ack = await raw.next();
  assert.equal(ack.cmd, 'connack');
  raw.takeBytes();
  return raw;
}

/** The connection closes; 5.0 gets exactly one DISCONNECT with `reason` first, 3.1.1 nothing. */
async function refused(raw: RawClient, version: 4 | 5, reason: number): Promise<void> {
  await closedWithin(raw);
  const bytes = raw.takeBytes();
  if (version === 4) return assert.deepEqual(bytes, hex(''));
  // DISCONNECT, its reason code, then an empty property list (which may be left out).
  assert.ok(bytes.equals(hex(`e0 02 ${reason.toString(16)} 00`)) || bytes.equals(hex(`e0 01 ${reason.toString(16)}`)), bytes.toString('hex'));
}

/** A raw client `id` subscribed to topic `t` at `qos`, its SUBACK taken. */
async function subscribed(t: TestContext, h: Harness, version: 4 | 5, id: string, qos: number): Promise<RawClient> {
  const raw = await connected(t, h, version, id);
  raw.send(version === 5 ? hex(`82 07 00 01 00 00 01 74 0${qos}`) : hex(`82 06 00 01 00 01 74 0${qos}`));
  assert.equal((await raw.next()).cmd, 'suback');
  raw.takeBytes();
  return raw;
}

for (const version of [4, 5] as const) {
  const v = version === 5 ? '5.0' : '3.1.1';

  test(`${v}: UNSUBSCRIBE without a topic filter is refused, not acknowledged [MQTT-3.10.3-2]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(version === 5 ? hex('a2 03 00 01 00') : hex('a2 02 00 01'));
    await refused(raw, version, 0x82);
  });

  test(`${v}: SUBSCRIBE without a topic filter is refused, not acknowledged [MQTT-3.8.3-3]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(version === 5 ? hex('82 03 00 01 00') : hex('82 02 00 01'));
    await refused(raw, version, 0x82);
  });

  test(`${v}: SUBSCRIBE with packet identifier 0 is malformed [MQTT-2.2.1-3]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(version === 5 ? hex('82 07 00 00 00 00 01 61 00') : hex('82 06 00 00 00 01 61 00'));
    await refused(raw, version, 0x81);
  });

  test(`${v}: UNSUBSCRIBE with packet identifier 0 is malformed [MQTT-2.2.1-3]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(version === 5 ? hex('a2 06 00 00 00 00 01 61') : hex('a2 05 00 00 00 01 61'));
    await refused(raw, version, 0x81);
  });

  test(`${v}: a PUBREL with packet identifier 0 is malformed [MQTT-2.2.1-3]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(hex('62 02 00 00'));
    await refused(raw, version, 0x81);
  });

  test(`${v}: a PINGREQ with a payload is malformed (its Remaining Length is 0) [MQTT-3.12]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(hex('c0 01 00'));
    await refused(raw, version, 0x81);
  });

  test(`${v}: a topic containing U+0000 is malformed, not an invalid topic name [MQTT-1.5.4-2]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(version === 5 ? hex('30 06 00 02 61 00 00 78') : hex('30 05 00 02 61 00 78'));
    await refused(raw, version, 0x81);
  });

  test(`${v}: a topic with ill-formed UTF-8 (an encoded surrogate) is malformed [MQTT-1.5.4-1]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(version === 5 ? hex('30 07 00 03 ed a0 80 00 78') : hex('30 06 00 03 ed a0 80 78'));
    await refused(raw, version, 0x81);
  });

  /** Subscribes `c` to `t` at `qos`, publishes one message at `qos` from `p`, returns `c` and the packet id it got. */
  async function delivered(t: TestContext, h: Harness, qos: 1 | 2): Promise<{ raw: RawClient; id: string }> {
    const raw = await subscribed(t, h, version, 'c', qos);
    const publisher = await connected(t, h, version, 'p');
    publisher.send(version === 5 ? hex(`3${qos * 2} 07 00 01 74 00 07 00 78`) : hex(`3${qos * 2} 06 00 01 74 00 07 78`));
    const publish = await raw.next();
    assert.equal(publish.cmd, 'publish');
    assert.equal(publish.qos, qos);
    raw.takeBytes();
    const messageId = publish.messageId!;
    return { raw, id: `${(messageId >> 8).toString(16).padStart(2, '0')} ${(messageId & 0xff).toString(16).padStart(2, '0')}` };
  }

  test(`${v}: a PUBREC for a QoS 1 delivery is a protocol error, never answered with PUBREL (§4.3.2)`, async (t) => {
    const h = await startBroker(t);
    const { raw, id } = await delivered(t, h, 1);
    raw.send(hex(`50 02 ${id}`));
    await refused(raw, version, 0x82);
  });

  test(`${v}: a PUBCOMP for a QoS 1 delivery is a protocol error (§4.3.2)`, async (t) => {
    const h = await startBroker(t);
    const { raw, id } = await delivered(t, h, 1);
    raw.send(hex(`70 02 ${id}`));
    await refused(raw, version, 0x82);
  });

  test(`${v}: a PUBACK for a QoS 2 delivery is a protocol error (§4.3.3)`, async (t) => {
    const h = await startBroker(t);
    const { raw, id } = await delivered(t, h, 2);
    raw.send(hex(`40 02 ${id}`));
    await refused(raw, version, 0x82);
  });

  test(`${v}: a PUBCOMP before the PUBREC of a QoS 2 delivery is a protocol error (§4.3.3)`, async (t) => {
    const h = await startBroker(t);
    const { raw, id } = await delivered(t, h, 2);
    raw.send(hex(`70 02 ${id}`));
    await refused(raw, version, 0x82);
  });

  test(`${v}: the right acknowledgements complete QoS 2: PUBREC → PUBREL, PUBCOMP → nothing [MQTT-4.3.3-4]`, async (t) => {
    const h = await startBroker(t);
    const { raw, id } = await delivered(t, h, 2);
    raw.send(hex(`50 02 ${id}`));
    assert.equal((await raw.next()).cmd, 'pubrel');
    assert.deepEqual(raw.takeBytes(), hex(`62 02 ${id}`));
    raw.send(hex(`70 02 ${id}`));
    raw.send(hex('c0 00'));
    assert.equal((await raw.next()).cmd, 'pingresp');
    assert.deepEqual(raw.takeBytes(), hex('d0 00'));
  });
}

test('3.1.1: a PUBACK longer than its 2 bytes is malformed (§3.4.1)', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 4);
  raw.send(hex('40 03 00 01 00'));
  await refused(raw, 4, 0x81);
});

test('5.0: a Payload Format Indicator other than 0 or 1 is refused, never forwarded as 1 (§3.3.2.3.2)', async (t) => {
  const h = await startBroker(t);
  const subscriber = await subscribed(t, h, 5, 's', 0);
  const raw = await connected(t, h, 5);
  raw.send(hex('30 07 00 01 74 02 01 ed 78'));
  await refused(raw, 5, 0x82);
  await sleep(50);
  assert.deepEqual(subscriber.takeBytes(), hex(''));
});

test('5.0: a Payload Format Indicator of 1 is forwarded as it came', async (t) => {
  const h = await startBroker(t);
  const subscriber = await subscribed(t, h, 5, 's', 0);
  const raw = await connected(t, h, 5);
  raw.send(hex('30 07 00 01 74 02 01 01 78'));
  assert.equal((await subscriber.next()).cmd, 'publish');
  assert.deepEqual(subscriber.takeBytes(), hex('30 07 00 01 74 02 01 01 78'));
});

test('5.0: a PUBLISH whose property length runs past the packet is malformed', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send(hex('30 06 00 01 74 05 01 01'));
  await refused(raw, 5, 0x81);
});

test('5.0: QoS 1 and 2 with no matching subscriber are acknowledged 0x10 No matching subscribers (table 2-6)', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send(hex('32 07 00 01 74 00 01 00 78'));
  assert.equal((await raw.next()).cmd, 'puback');
  assert.deepEqual(raw.takeBytes(), hex('40 03 00 01 10'));
  raw.send(hex('34 07 00 01 74 00 02 00 78'));
  assert.equal((await raw.next()).cmd, 'pubrec');
  assert.deepEqual(raw.takeBytes(), hex('50 03 00 02 10'));
});

test('5.0: QoS 1 with a matching subscriber is acknowledged with plain success', async (t) => {
  const h = await startBroker(t);
  await subscribed(t, h, 5, 's', 1);
  const raw = await connected(t, h, 5);
  raw.send(hex('32 07 00 01 74 00 01 00 78'));
  assert.equal((await raw.next()).cmd, 'puback');
  assert.deepEqual(raw.takeBytes(), hex('40 02 00 01'));
});

test('3.1.1: QoS 1 with no matching subscriber is acknowledged as usual (3.1.1 has no reason codes)', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 4);
  raw.send(hex('32 06 00 01 74 00 01 78'));
  assert.equal((await raw.next()).cmd, 'puback');
  assert.deepEqual(raw.takeBytes(), hex('40 02 00 01'));
});

test('5.0: a User Property that is not well-formed UTF-8 is malformed [MQTT-1.5.4-1]', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send(hex('82 0e 00 01 07 26 00 01 ff 00 01 61 00 01 74 00'));
  await refused(raw, 5, 0x81);
});

test('5.0: a real U+FFFD character (EF BF BD) in a User Property is well-formed and accepted', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send(hex('82 10 00 01 09 26 00 01 61 00 03 ef bf bd 00 01 74 00'));
  assert.equal((await raw.next()).cmd, 'suback');
  assert.deepEqual(raw.takeBytes(), hex('90 04 00 01 00 00'));
});

test('5.0: a property its packet type does not have (Topic Alias in SUBSCRIBE) is malformed (§2.2.2.2)', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send(hex('82 0a 00 01 03 23 00 01 00 01 74 00'));
  await refused(raw, 5, 0x81);
});

for (const version of [4, 5] as const) {
  test(`${version === 5 ? '5.0' : '3.1.1'}: DUP set on a QoS 0 PUBLISH is malformed [MQTT-3.3.1-2]`, async (t) => {
    const h = await startBroker(t);
    const raw = await connected(t, h, version);
    raw.send(version === 5 ? hex('38 05 00 01 74 00 78') : hex('38 04 00 01 74 78'));
    await refused(raw, version, 0x81);
  });
}

test('5.0: a property other than User Property given twice is a protocol error (§2.2.2.2)', async (t) => {
  const h = await startBroker(t);
  const raw = await connected(t, h, 5);
  raw.send(hex('30 0f 00 01 74 0a 02 00 00 00 0a 02 00 00 00 0a 78')); // Message Expiry Interval twice
  await refused(raw, 5, 0x82);
});

/** A QoS 0 PUBLISH to 'a/a/…/a' of `levels` levels, written out by hand (two-byte Remaining Length). */
function deepPublish(levels: number, version: 4 | 5): Buffer {
  const topic = Buffer.from(Array.from({ length: levels }, () => 'a').join('/'));
  const remaining = 2 + topic.length + (version === 5 ? 1 : 0) + 1;
  const header = [0x30, (remaining & 0x7f) | 0x80, remaining >> 7, topic.length >> 8, topic.length & 0xff];
  return Buffer.concat([Buffer.from(header), topic, version === 5 ? hex('00 78') : hex('78')]);
}

test('default limits: a topic of 201 levels is refused (5.0 DISCONNECT 0x90), 200 levels are routed (Mosquitto\'s 200)', async (t) => {
  const h = await startBroker(t);
  const subscriber = await connected(t, h, 5, 's');
  subscriber.send(hex('82 07 00 01 00 00 01 23 00')); // SUBSCRIBE '#'
  assert.equal((await subscriber.next()).cmd, 'suback');
  subscriber.takeBytes();
  const raw = await connected(t, h, 5);
  raw.send(deepPublish(200, 5));
  assert.equal((await subscriber.next()).cmd, 'publish');
  assert.deepEqual(subscriber.takeBytes(), deepPublish(200, 5));
  raw.send(deepPublish(201, 5));
  await refused(raw, 5, 0x90);
});
