import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket, { type IDisconnectPacket, type IPubackPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import { Framer, encode, encodePublish, parseFrame, parsePublish, restampPublish } from '../codec.js';
import { MalformedPacketError, PacketTooLargeError } from '../errors.js';

const publishes: IPublishPacket[] = [
  { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 0, retain: false, dup: false },
  { cmd: 'publish', topic: 'ünï/cödé', payload: Buffer.alloc(300, 7), qos: 1, messageId: 513, retain: true, dup: true },
  { cmd: 'publish', topic: 'x', payload: Buffer.alloc(20_000, 1), qos: 2, messageId: 65535, retain: false, dup: false },
];

test('the framer yields the same frames whether bytes arrive whole or one at a time', () => {
  const frames = publishes.map((p) => mqttPacket.generate(p));
  const stream = Buffer.concat(frames);
  for (const chunkSize of [stream.length, 1, 7]) {
    const framer = new Framer(1 << 20);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += chunkSize) framer.push(stream.subarray(i, i + chunkSize), (f) => (out.push(Buffer.from(f)), true));
    assert.deepEqual(out, frames, `chunk size ${chunkSize}`);
  }
});

test('the framer refuses a frame above the maximum packet size before buffering it', () => {
  const framer = new Framer(100);
  assert.throws(() => framer.push(Buffer.from([0x30, 0xe8, 0x07]), () => true), PacketTooLargeError);
});

test('the framer refuses a remaining length of more than four bytes', () => {
  assert.throws(() => new Framer(1 << 20).push(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), () => true), MalformedPacketError);
});

test('the framer keeps unread frames when the consumer stops, and hands them over on the next push', () => {
  const framer = new Framer(1 << 20);
  const both = Buffer.concat([mqttPacket.generate(publishes[0]!), mqttPacket.generate(publishes[1]!)]);
  const seen: number[] = [];
  framer.push(both, (f) => (seen.push(f.length), false));
  framer.push(Buffer.alloc(0), (f) => (seen.push(f.length), true));
  assert.equal(seen.length, 2);
});

for (const version of [4, 5] as const) {
  test(`PUBLISH encoding and parsing by hand agree with mqtt-packet (protocol ${version})`, () => {
    for (const packet of publishes) {
      const ours = encodePublish(packet, version);
      assert.deepEqual(ours, mqttPacket.generate(packet, { protocolVersion: version }));
      const parsed = parsePublish(ours, version);
      assert.deepEqual(
        [parsed.topic, Buffer.from(parsed.payload), parsed.qos, parsed.retain, parsed.dup, parsed.messageId],
        [packet.topic, packet.payload, packet.qos, packet.retain, packet.dup, packet.messageId],
      );
    }
  });
}

test('a 5.0 PUBLISH with properties is parsed with its properties', () => {
  const frame = mqttPacket.generate({ ...publishes[1]!, properties: { contentType: 'text/plain', topicAlias: 2 } }, { protocolVersion: 5 });
  const parsed = parsePublish(frame, 5);
  assert.equal(parsed.properties?.contentType, 'text/plain');
  assert.equal(parsed.properties?.topicAlias, 2);
});

test('PUBLISH parsing rejects QoS 3, packet id 0 and a topic longer than the packet', () => {
  assert.throws(() => parsePublish(Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]), 4), MalformedPacketError);
  assert.throws(() => parsePublish(Buffer.from([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00]), 4), MalformedPacketError);
  assert.throws(() => parsePublish(Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]), 4), MalformedPacketError);
});

test('re-stamping a QoS 1 template changes only the packet id and DUP flag', () => {
  const template = encodePublish({ ...publishes[1]!, dup: false, messageId: 1 }, 5);
  const stamped = restampPublish(template, 4242, true);
  const parsed = mqttPacket.parser({ protocolVersion: 5 });
  let out: IPublishPacket | undefined;
  parsed.on('packet', (p) => (out = p as IPublishPacket));
  parsed.parse(stamped);
  assert.equal(out?.messageId, 4242);
  assert.equal(out?.dup, true);
  assert.equal(template.readUInt8(0) & 0x08, 0);
});

test('plain acknowledgements are 4 bytes, the short form 5.0 allows for reason code 0 [MQTT-3.4.2-1]', () => {
  for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
    for (const version of [4, 5] as const) {
      const expected = mqttPacket.generate({ cmd, messageId: 300, reasonCode: 0 }, { protocolVersion: version });
      assert.deepEqual(encode({ cmd, messageId: 300 }, version), expected);
    }
  }
});

test('5.0 acknowledgements with a reason code and no properties are 5 bytes, the property length left out [MQTT-3.4.2]', () => {
  assert.deepEqual(encode({ cmd: 'puback', messageId: 1, reasonCode: 0x10 }, 5), Buffer.from([0x40, 3, 0, 1, 0x10]));
  assert.deepEqual(encode({ cmd: 'pubrel', messageId: 258, reasonCode: 0x92 }, 5), Buffer.from([0x62, 3, 1, 2, 0x92]));
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const parsed: mqttPacket.Packet[] = [];
  parser.on('packet', (packet: mqttPacket.Packet) => parsed.push(packet));
  parser.parse(encode({ cmd: 'pubrec', messageId: 9, reasonCode: 0x87 }, 5));
  assert.equal((parsed[0] as mqttPacket.IPubrecPacket | undefined)?.reasonCode, 0x87);
});

test('hand-encoded PINGRESP and 3.1.1 CONNACK, SUBACK and UNSUBACK match mqtt-packet byte for byte', () => {
  const packets = [
    { cmd: 'pingresp' },
    { cmd: 'connack', sessionPresent: true, returnCode: 0 },
    { cmd: 'connack', sessionPresent: false, returnCode: 5 },
    { cmd: 'suback', messageId: 777, granted: [0, 1, 2, 0x80] },
    { cmd: 'unsuback', messageId: 65535 },
  ] as const;
  for (const packet of packets) {
    assert.deepEqual(encode(packet as never, 4), mqttPacket.generate(packet as never, { protocolVersion: 4 }), packet.cmd);
  }
  assert.deepEqual(encode({ cmd: 'pingresp' }, 5), mqttPacket.generate({ cmd: 'pingresp' }, { protocolVersion: 5 }));
});

test('a plain PUBACK parses to what mqtt-packet gives, and packet id 0 is malformed [MQTT-2.2.1-3]', () => {
  for (const version of [3, 4, 5] as const) {
    const reference = mqttPacket.parser({ protocolVersion: version });
    let expected: Packet | undefined;
    reference.on('packet', (packet: Packet) => (expected = packet));
    const frame = Buffer.from([0x40, 0x02, 0x12, 0x34]);
    reference.parse(frame);
    const { cmd, messageId, length, reasonCode } = expected as IPubackPacket;
    assert.deepEqual(parseFrame(frame, version), { cmd, messageId, length, ...(reasonCode !== undefined && { reasonCode }) });
    assert.throws(() => parseFrame(Buffer.from([0x40, 0x02, 0x00, 0x00]), version), MalformedPacketError);
  }
});

test('a plain DISCONNECT parses to what mqtt-packet gives; one with flags set is still malformed', () => {
  for (const version of [3, 4, 5] as const) {
    const reference = mqttPacket.parser({ protocolVersion: version });
    let expected: Packet | undefined;
    reference.on('packet', (packet: Packet) => (expected = packet));
    const frame = Buffer.from([0xe0, 0x00]);
    reference.parse(frame);
    const { cmd, length, reasonCode } = expected as IDisconnectPacket;
    assert.deepEqual(parseFrame(frame, version), { cmd, length, ...(reasonCode !== undefined && { reasonCode }) });
    assert.throws(() => parseFrame(Buffer.from([0xe1, 0x00]), version));
  }
});

test('a CONNECT parses to what mqtt-packet gives, with or without a will, credentials or properties', () => {
  const names = { 3: 'MQIsdp', 4: 'MQTT', 5: 'MQTT' } as const;
  let compared = 0;
  for (const protocolVersion of [3, 4, 5] as const) {
    for (const clean of [true, false]) {
      for (const clientId of ['', 'dev-1', 'ünï-日本']) {
        for (const username of [undefined, 'u', 'ünï']) {
          for (const password of [undefined, Buffer.alloc(0), Buffer.from([0xff, 0x00, 0x61])]) {
            for (const extra of [{}, { will: { topic: 'w/t', payload: Buffer.from('bye'), qos: 1 as const, retain: true } }, ...(protocolVersion === 5 ? [{ properties: { sessionExpiryInterval: 60 } }] : [])]) {
              if ((password !== undefined && username === undefined) || (clientId === '' && (protocolVersion === 3 || !clean))) continue;
              const frame = mqttPacket.generate({ cmd: 'connect', protocolId: names[protocolVersion], protocolVersion, clean, clientId, keepalive: 60, ...(username !== undefined && { username }), ...(password !== undefined && { password }), ...extra });
              const reference = mqttPacket.parser({ protocolVersion: 4 });
              let expected: Packet | undefined;
              reference.on('packet', (packet: Packet) => (expected = packet));
              reference.parse(frame);
              assert.deepEqual({ ...parseFrame(frame, 4) }, { ...expected }, `${protocolVersion} ${clientId} ${username} ${password?.toString('hex')} ${JSON.stringify(extra)}`);
              compared++;
            }
          }
        }
      }
    }
  }
  assert.ok(compared > 100);
});

test('a CONNECT with a string that is not well-formed UTF-8, contains U+0000, or bytes left over is malformed', () => {
  const frame = (clientId: string, username?: string) => Buffer.from(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 0, ...(username !== undefined && { username }) }));
  assert.throws(() => parseFrame(frame('a\u0000b'), 4), MalformedPacketError);
  assert.throws(() => parseFrame(frame('ok', 'x\u0000'), 4), MalformedPacketError);
  const badUtf8 = frame('abc');
  badUtf8[badUtf8.length - 2] = 0xc3; // a lead byte without its continuation
  assert.throws(() => parseFrame(badUtf8, 4), MalformedPacketError);
  const leftover = Buffer.concat([frame('abc'), Buffer.from([0x00])]);
  leftover[1]! += 1;
  assert.throws(() => parseFrame(leftover, 4), MalformedPacketError);
});
