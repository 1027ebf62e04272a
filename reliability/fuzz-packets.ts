/**
 * The MQTT packet fuzzer's generator: a corpus of valid 3.1.1 and 5.0 packets (mqtt-packet encodes
 * them), mutations of them (flipped bits, wrong remaining lengths, truncation, huge lengths, random
 * bytes), and hand-made frames every conforming broker must refuse by closing the connection.
 *
 * @module reliability/fuzz-packets
 */
import mqttPacket, { type Packet } from 'mqtt-packet';

type Rand = () => number;

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

export function connectFrame(version: 4 | 5, clientId: string): Buffer {
  return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId, clean: true, keepalive: 30 }, { protocolVersion: version });
}

/** Valid packets a connected client may send (plus a few it may not, like a second CONNECT). */
function corpus(version: 4 | 5): Buffer[] {
  const v5 = version === 5;
  const packets: Packet[] = [
    { cmd: 'publish', topic: 'fuzz/a', payload: Buffer.from('x'), qos: 0, retain: false, dup: false },
    { cmd: 'publish', topic: 'fuzz/b/c', payload: Buffer.alloc(300, 7), qos: 1, messageId: 17, retain: false, dup: false },
    { cmd: 'publish', topic: 'fuzz/r', payload: Buffer.from('r'), qos: 2, messageId: 18, retain: true, dup: false },
    { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'fuzz/#', qos: 1 }, { topic: '+/x/+', qos: 2 }] },
    { cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['fuzz/#'] },
    { cmd: 'puback', messageId: 9 },
    { cmd: 'pubrec', messageId: 10 },
    { cmd: 'pubrel', messageId: 10 },
    { cmd: 'pubcomp', messageId: 10 },
    { cmd: 'pingreq' },
    { cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: 'again', clean: true, keepalive: 10 },
  ];
  if (v5) {
    packets.push(
      { cmd: 'publish', topic: '', payload: Buffer.from('alias'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } },
      { cmd: 'publish', topic: 'fuzz/p', payload: Buffer.from('p'), qos: 1, messageId: 5, retain: false, dup: false, properties: { userProperties: { a: 'b' }, contentType: 'text/plain', messageExpiryInterval: 5 } },
      { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } },
      { cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 10 } },
    );
  }
  const frames: Buffer[] = [];
  for (const packet of packets) {
    try {
      frames.push(mqttPacket.generate(packet, { protocolVersion: version }));
    } catch {
      // mqtt-packet refuses a few combinations for a version; the rest is the corpus
    }
  }
  return frames;
}

const CORPUS = { 4: corpus(4), 5: corpus(5) };

/** A length-prefixed UTF-8 field holding bytes that are not UTF-8 (a lone continuation, an overlong NUL). */
const BAD_UTF8 = [Buffer.from([0x80]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff, 0xfe])];

function publishWithRawTopic(topic: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from('payload')]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** 5.0 PUBLISH properties given twice (only User Property may repeat): topic alias, expiry, content type, payload format. */
const REPEATED_PROPERTIES = [
  [0x23, 0x00, 0x01, 0x23, 0x00, 0x02],
  [0x02, 0, 0, 0, 5, 0x02, 0, 0, 0, 9],
  [0x03, 0x00, 0x01, 0x61, 0x03, 0x00, 0x01, 0x62],
  [0x01, 0x01, 0x01, 0x01],
];

/**
 * Frames that must end the connection: a conforming broker closes it. Each is a function of the
 * PRNG so the variants differ between runs but replay with the seed; `undefined` where the frame
 * means nothing wrong in that protocol version.
 */
export const MUST_CLOSE: Record<string, (rand: Rand, version: 4 | 5) => Buffer | undefined> = {
  'invalid UTF-8 in a PUBLISH topic [MQTT-1.5.3-1]': (rand) => publishWithRawTopic(Buffer.concat([Buffer.from('a/'), pick(rand, BAD_UTF8)])),
  'wildcard in a PUBLISH topic [MQTT-3.3.2-2]': (rand) => publishWithRawTopic(Buffer.from(pick(rand, ['a/+', '#', 'a/#', '+/+/b']))),
  'remaining length larger than the maximum packet size': () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61]),
  'remaining length with a fifth length byte [MQTT-1.5.5]': () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
  'reserved packet type 0': () => Buffer.from([0x00, 0x00]),
  'reserved flags on SUBSCRIBE [MQTT-3.8.1-1]': () => Buffer.from([0x80, 0x08, 0x00, 0x01, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x00]),
  'QoS 3 PUBLISH [MQTT-3.3.1-4]': () => Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]),
  'a 5.0 PUBLISH property other than User Property given twice (MQTT 5.0 §2.2.2.2)': (rand, version) => {
    if (version !== 5) return undefined;
    const properties = pick(rand, REPEATED_PROPERTIES);
    const body = Buffer.from([0x00, 0x01, 0x61, properties.length, ...properties, 0x78]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  },
};

/** Frames sent as the very first packet, before any CONNECT [MQTT-3.1.0-1]. */
export function beforeConnect(rand: Rand, version: 4 | 5): Buffer {
  return pick(rand, CORPUS[version].filter((f) => f[0]! >> 4 !== 1));
}

/** One mutated frame: a valid packet damaged in one of several ways, or plain noise. */
export function mutatedFrame(rand: Rand, version: 4 | 5): { kind: string; frame: Buffer } {
  const base = Buffer.from(pick(rand, CORPUS[version]));
  const kind = pick(rand, ['valid', 'bitflip', 'length', 'truncate', 'huge', 'noise', 'must-close'] as const);
  switch (kind) {
    case 'valid':
      return { kind, frame: base };
    case 'bitflip': {
      const flips = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < flips; i++) {
        const at = Math.floor(rand() * base.length);
        base[at] = base[at]! ^ (1 << Math.floor(rand() * 8));
      }
      return { kind, frame: base };
    }
    case 'length':
      base[1] = Math.floor(rand() * 128);
      return { kind, frame: base };
    case 'truncate':
      return { kind, frame: base.subarray(0, Math.max(1, Math.floor(rand() * base.length))) };
    case 'huge':
      return { kind, frame: Buffer.concat([Buffer.from([base[0]!, 0xff, 0xff, 0xff, 0x7f]), base.subarray(2)]) };
    case 'noise':
      return { kind, frame: Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))) };
    case 'must-close':
      return { kind, frame: pick(rand, Object.values(MUST_CLOSE))(rand, version) ?? base };
  }
}
