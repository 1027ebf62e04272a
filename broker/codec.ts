// Bytes to packets and back, in one place. The framer checks a frame's size before buffering it; one shared
// mqtt-packet parser per version parses whole frames, so a connection needs no parser of its own.
import { isUtf8 } from 'node:buffer';
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, IDisconnectPacket, IPubackPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { MalformedPacketError, PacketTooLargeError, ProtocolError } from './errors.js';
import { checkProperties } from './properties.js';

export type ProtocolVersion = 3 | 4 | 5;

// Else mqtt-packet caches 65,536 Buffers (~6 MB); our hot packets are encoded by hand anyway.
mqttPacket.writeToStream.cacheNumbers = false;

const CONNECT_PACKET_TYPE = 1;

/** Largest Remaining Length the 4-byte variable integer can carry [MQTT-1.5.5]. */
const MAX_REMAINING_LENGTH = 268_435_455;

export class Framer {
  private pending: Buffer | null = null;

  constructor(private readonly maxPacketSize: number) {}

  push(chunk: Buffer, onFrame: (frame: Buffer) => boolean): void {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let offset = 0;
    while (buf.length - offset >= 2) {
      let remaining = 0;
      let multiplier = 1;
      let pos = offset + 1;
      let complete = false;
      for (let i = 0; i < 4 && pos < buf.length; i++) {
        const byte = buf[pos++]!;
        remaining += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
        // A fourth byte with the continuation bit set is not a valid length [MQTT-1.5.5-1].
        if (i === 3) throw new MalformedPacketError('remaining length longer than 4 bytes');
      }
      if (!complete) break;
      const total = pos - offset + remaining;
      if (remaining > MAX_REMAINING_LENGTH || total > this.maxPacketSize) {
        throw new PacketTooLargeError(total, this.maxPacketSize); // 5.0 answers with DISCONNECT 0x95
      }
      if (buf.length - offset < total) break;
      const keepGoing = onFrame(buf.subarray(offset, offset + total));
      offset += total;
      if (!keepGoing) break; // closed or throttled: the rest waits in `pending`
    }
    if (offset < buf.length) {
      // A copy, so a small leftover does not pin a large socket chunk.
      buf = buf.subarray(offset);
      this.pending = Buffer.from(buf);
    }
  }
}

interface SharedParser {
  parser: ReturnType<typeof mqttPacket.parser>;
  packet: Packet | null;
  error: Error | null;
  /** Bytes after the fixed header that mqtt-packet read for the last packet. */
  consumed: number;
  violation: Error | null;
}

/** mqtt-packet 9 ignores bytes left over, reads one-byte properties as `!== 0`, checks no strings; an upgrade that moves these fails loudly. */
interface ParserInternals {
  _pos: number;
  _list: { slice(start: number, end: number): Buffer };
  _parseByte(): number | undefined;
  _parseByType(type: string): unknown;
  _parseString(): string | null;
}

/** CONNECT gets its own parser: a parser adopts the protocol version of each CONNECT it reads. */
type ParserKey = ProtocolVersion | 'connect';

const parsers = new Map<ParserKey, SharedParser>();

function parserFor(key: ParserKey): SharedParser {
  let shared = parsers.get(key);
  if (shared === undefined) {
    const parser = mqttPacket.parser({ protocolVersion: key === 'connect' ? 4 : key });
    const state: SharedParser = { parser, packet: null, error: null, consumed: 0, violation: null };
    hookValidation(parser as unknown as ParserInternals, state);
    parser.on('packet', (packet: Packet) => {
      state.packet = packet;
      state.consumed = (parser as unknown as ParserInternals)._pos; // read before mqtt-packet resets it
    });
    parser.on('error', (error: Error) => (state.error = error));
    parsers.set(key, state);
    shared = state;
  }
  return shared;
}

function hookValidation(internals: ParserInternals, state: SharedParser): void {
  const { _parseByType: parseByType, _parseString: parseString } = internals;
  if (typeof parseByType !== 'function' || typeof parseString !== 'function' || typeof internals._parseByte !== 'function') {
    throw new Error('mqtt-packet internals changed: codec.ts cannot validate packet lengths, byte properties and strings');
  }
  // One-byte properties are 0 or 1 (5.0 §3.1.2.11, §3.3.2.3.2).
  internals._parseByType = function (this: ParserInternals, type: string): unknown {
    if (type !== 'byte') return parseByType.call(this, type);
    const value = this._parseByte();
    if (value !== undefined && value > 1) state.violation ??= new ProtocolError('a one-byte property is neither 0 nor 1');
    return value !== 0;
  };
  // Ill-formed UTF-8 [MQTT-1.5.4-1] and U+0000 [MQTT-1.5.4-2]; bad bytes decode to U+FFFD, so only then are bytes checked.
  internals._parseString = function (this: ParserInternals): string | null {
    const start = this._pos + 2;
    const value = parseString.call(this);
    if (value !== null && (value.includes('\u0000') || (value.includes('\uFFFD') && !isUtf8(this._list.slice(start, this._pos))))) {
      state.violation ??= new MalformedPacketError('a string is not well-formed UTF-8 or contains U+0000');
    }
    return value;
  };
}

/** Parses one whole frame. Before CONNECT the version is unknown: CONNECT carries its own. */
export function parseFrame(frame: Buffer, version: ProtocolVersion): Packet {
  if (frame.length === 4 && frame[0] === PUBACK_HEADER && frame[1] === 2) return parsePuback(frame, version);
  if (frame.length === 2 && frame[0] === DISCONNECT_HEADER) return plainDisconnect(version);
  if (frame[0] === CONNECT_HEADER) {
    const connect = parsePlainConnect(frame);
    if (connect !== null) return connect;
  }
  const key: ParserKey = frame[0]! >> 4 === CONNECT_PACKET_TYPE ? 'connect' : version;
  const shared = parserFor(key);
  shared.packet = null;
  shared.error = null;
  shared.violation = null;
  shared.parser.parse(frame);
  // Casts: TS narrowed these to null and cannot see the synchronous emits.
  const packet = shared.packet as Packet | null;
  const error = shared.error as Error | null;
  const violation = shared.violation as Error | null;
  shared.packet = null;
  shared.error = null;
  shared.violation = null;
  if (error !== null) {
    // mqtt-packet keeps a stale read position after an error; a fresh parser is cheaper than doubt.
    parsers.delete(key);
    throw new MalformedPacketError(error.message, { cause: error });
  }
  if (packet === null) throw new MalformedPacketError('incomplete packet');
  checkFilled(packet, shared.consumed);
  if (violation !== null) throw violation;
  if (packet.messageId === 0) throw new MalformedPacketError('packet identifier 0'); // [MQTT-2.2.1-3]
  checkProperties(packet);
  return packet;
}

const PUBACK_HEADER = 0x40;

/** The PUBACK of every QoS 1 delivery, by hand: what mqtt-packet gives, without its general parser's cost. */
function parsePuback(frame: Buffer, version: ProtocolVersion): IPubackPacket {
  const messageId = frame.readUInt16BE(2);
  if (messageId === 0) throw new MalformedPacketError('packet identifier 0'); // [MQTT-2.2.1-3]
  const packet: IPubackPacket = { cmd: 'puback', length: 2, messageId };
  if (version === 5) packet.reasonCode = 0;
  return packet;
}

const DISCONNECT_HEADER = 0xe0;

/** The DISCONNECT ending each connection, with no reason code nor properties (5.0 §3.14.2.1: Normal disconnection). */
function plainDisconnect(version: ProtocolVersion): IDisconnectPacket {
  const packet: IDisconnectPacket = { cmd: 'disconnect', length: 0 };
  if (version === 5) packet.reasonCode = 0;
  return packet;
}

const CONNECT_HEADER = 0x10;
/** Will flag, will QoS, will retain and the reserved bit: a CONNECT with any of them goes to mqtt-packet. */
const CONNECT_FLAGS_NOT_PLAIN = 0x3d;
const USERNAME_FLAG = 0x80;
const PASSWORD_FLAG = 0x40;
const CLEAN_FLAG = 0x02;

/**
 * A CONNECT without a will or properties (nearly every reconnect), by hand: what mqtt-packet gives for it,
 * with the same string checks. null: anything else, or anything wrong, for mqtt-packet to parse or refuse.
 * `frame` is whole (the splitter measured it), so the remaining length is what follows its length bytes.
 */
function parsePlainConnect(frame: Buffer): IConnectPacket | null {
  let pos = 1;
  while (pos < 5 && (frame[pos++]! & 0x80) !== 0);
  const end = frame.length;
  const length = end - pos;
  const nameEnd = fieldEnd(frame, pos);
  if (nameEnd < 0 || nameEnd + 4 > end) return null;
  const protocolId = frame.toString('latin1', pos + 2, nameEnd);
  const protocolVersion = frame[nameEnd]!;
  if (!(protocolId === 'MQTT' ? protocolVersion === 4 || protocolVersion === 5 : protocolId === 'MQIsdp' && protocolVersion === 3)) return null;
  const flags = frame[nameEnd + 1]!;
  if ((flags & CONNECT_FLAGS_NOT_PLAIN) !== 0) return null;
  const keepalive = frame.readUInt16BE(nameEnd + 2);
  pos = nameEnd + 4;
  if (protocolVersion === 5 && frame[pos++] !== 0) return null; // properties, or none (length 0)
  let fieldStart = pos;
  if ((pos = fieldEnd(frame, fieldStart)) < 0) return null;
  const clientId = readString(frame, fieldStart + 2, pos);
  const packet = { cmd: 'connect', retain: false, qos: 0, dup: false, length, topic: null, payload: null, protocolId, protocolVersion, clean: (flags & CLEAN_FLAG) !== 0, keepalive, clientId } as IConnectPacket;
  if ((flags & USERNAME_FLAG) !== 0) {
    fieldStart = pos;
    if ((pos = fieldEnd(frame, fieldStart)) < 0) return null;
    packet.username = readString(frame, fieldStart + 2, pos);
  }
  if ((flags & PASSWORD_FLAG) !== 0) {
    fieldStart = pos;
    if ((pos = fieldEnd(frame, fieldStart)) < 0) return null;
    packet.password = frame.subarray(fieldStart + 2, pos);
  }
  if (pos !== end) throw new MalformedPacketError(`connect fields take ${pos - (end - length)} of ${length} bytes`);
  return packet;
}

/** Where the length-prefixed field at `pos` ends, or -1 when it overruns the frame. */
function fieldEnd(frame: Buffer, pos: number): number {
  if (pos + 2 > frame.length) return -1;
  const end = pos + 2 + frame.readUInt16BE(pos);
  return end > frame.length ? -1 : end;
}

/** A UTF-8 string field's text, checked as the shared parsers check theirs [MQTT-1.5.4-1] [MQTT-1.5.4-2]. */
function readString(frame: Buffer, start: number, end: number): string {
  const text = frame.toString('utf8', start, end);
  if (text.includes('\u0000') || (text.includes('\uFFFD') && !isUtf8(frame.subarray(start, end)))) {
    throw new MalformedPacketError('a string is not well-formed UTF-8 or contains U+0000');
  }
  return text;
}

/** Bytes left over mean a flag disagrees with the payload [MQTT-3.1.2-18] [MQTT-3.1.2-20]: malformed [MQTT-3.1.4-1] [MQTT-4.8.0-1]. */
function checkFilled(packet: Packet, consumed: number): void {
  const length = packet.length ?? 0;
  if (packet.cmd === 'publish' ? consumed > length : consumed !== length) {
    throw new MalformedPacketError(`${packet.cmd} fields take ${consumed} of ${length} bytes`);
  }
}

export interface ParsedPublish extends IPublishPacket {
  /** The frame itself when a same-version QoS 0 subscriber gets exactly it (QoS 0, no flags, no properties). */
  forwardable?: Buffer | undefined;
}

/** By hand, the hot path (mqtt-packet costs more than routing); 5.0 with properties goes to mqtt-packet. */
export function parsePublish(frame: Buffer, version: ProtocolVersion): ParsedPublish {
  const first = frame[0]!;
  const qos = (first >> 1) & 0x03;
  if (qos === 3) throw new MalformedPacketError('PUBLISH with QoS 3'); // [MQTT-3.3.1-4]
  if (qos === 0 && (first & 0x08) !== 0) throw new MalformedPacketError('DUP set on a QoS 0 PUBLISH'); // [MQTT-3.3.1-2]
  let pos = 1;
  while (frame[pos]! & 0x80) pos++;
  pos++;
  if (pos + 2 > frame.length) throw new MalformedPacketError('PUBLISH too short');
  const topicEnd = pos + 2 + frame.readUInt16BE(pos);
  if (topicEnd > frame.length) throw new MalformedPacketError('PUBLISH topic longer than the packet');
  const topic = frame.toString('utf8', pos + 2, topicEnd);
  // [MQTT-1.5.3-1]: only a topic decoded with U+FFFD needs its bytes checked.
  if (topic.includes('\uFFFD') && !isUtf8(frame.subarray(pos + 2, topicEnd))) throw new MalformedPacketError('topic is not valid UTF-8');
  if (topic.includes('\u0000')) throw new MalformedPacketError('topic contains U+0000'); // [MQTT-1.5.4-2]
  pos = topicEnd;
  let messageId: number | undefined;
  if (qos > 0) {
    if (pos + 2 > frame.length) throw new MalformedPacketError('PUBLISH without packet identifier');
    messageId = frame.readUInt16BE(pos);
    if (messageId === 0) throw new MalformedPacketError('packet identifier 0'); // [MQTT-2.2.1-3]
    pos += 2;
  }
  if (version === 5) {
    if (pos >= frame.length) throw new MalformedPacketError('PUBLISH without property length');
    if (frame[pos] !== 0) return parseFrame(frame, version) as IPublishPacket;
    pos++;
  }
  return {
    cmd: 'publish',
    topic,
    payload: frame.subarray(pos),
    qos: qos as 0 | 1 | 2,
    retain: (first & 0x01) !== 0,
    dup: (first & 0x08) !== 0,
    messageId,
    forwardable: first === 0x30 ? frame : undefined,
  };
}

const ACK_TYPES: Partial<Record<Packet['cmd'], number>> = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 };

const PINGRESP = Buffer.from([0xd0, 0x00]);

/** Fixed-layout packets by hand: mqtt-packet allocates an EventEmitter per call. Throws only on a broker bug. */
export function encode(packet: Packet, version: ProtocolVersion): Buffer {
  const ackType = ACK_TYPES[packet.cmd];
  const ack = packet as { reasonCode?: number; properties?: object };
  if (ackType !== undefined && ack.properties === undefined) {
    const id = packet.messageId!;
    if (version < 5 || !ack.reasonCode) return Buffer.from([ackType, 2, id >> 8, id & 0xff]);
    return Buffer.from([ackType, 3, id >> 8, id & 0xff, ack.reasonCode]); // no property length below 4 bytes (5.0 §3.4.2.2)
  }
  if (packet.cmd === 'pingresp') return PINGRESP;
  if (version < 5) {
    if (packet.cmd === 'connack') return Buffer.from([0x20, 2, packet.sessionPresent ? 1 : 0, packet.returnCode ?? 0]);
    if (packet.cmd === 'unsuback') return Buffer.from([0xb0, 2, packet.messageId! >> 8, packet.messageId! & 0xff]);
    if (packet.cmd === 'suback' && packet.granted.length < 126) {
      const id = packet.messageId!;
      return Buffer.from([0x90, 2 + packet.granted.length, id >> 8, id & 0xff, ...(packet.granted as number[])]);
    }
  }
  return mqttPacket.generate(packet, { protocolVersion: version });
}

/** Without properties, one hand-written copy (every fan-out's hot path); with them, mqtt-packet. */
export function encodePublish(packet: IPublishPacket, version: ProtocolVersion): Buffer {
  if (version === 5 && packet.properties !== undefined) return encode(packet, version);
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  const topicLength = Buffer.byteLength(packet.topic);
  const remaining = 2 + topicLength + (packet.qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length;
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  out[0] = 0x30 | (packet.dup ? 0x08 : 0) | (packet.qos << 1) | (packet.retain ? 0x01 : 0);
  let pos = 1;
  let value = remaining;
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out[pos++] = byte;
  } while (value > 0);
  out.writeUInt16BE(topicLength, pos);
  pos += 2;
  pos += out.write(packet.topic, pos, 'utf8');
  if (packet.qos > 0) {
    out.writeUInt16BE(packet.messageId ?? 0, pos);
    pos += 2;
  }
  if (version === 5) out[pos++] = 0; // property length 0
  payload.copy(out, pos);
  return out;
}

export function publishPacketIdOffset(frame: Buffer): number {
  let pos = 1;
  while (frame[pos]! & 0x80) pos++;
  pos++;
  return pos + 2 + frame.readUInt16BE(pos);
}

export function restampPublish(template: Buffer, packetId: number, dup: boolean): Buffer {
  const out = Buffer.from(template);
  out[0] = dup ? out[0]! | 0x08 : out[0]! & ~0x08;
  out.writeUInt16BE(packetId, publishPacketIdOffset(out));
  return out;
}

/** Read before mqtt-packet, which calls unknown levels malformed where the spec wants CONNACK 0x01 [MQTT-3.1.2-2]. */
export function connectProtocol(frame: Buffer): { name: string; level: number } | null {
  let pos = 1;
  while (pos < frame.length && frame[pos]! & 0x80) pos++;
  pos++;
  if (pos + 2 > frame.length) return null;
  const nameLength = frame.readUInt16BE(pos);
  const levelAt = pos + 2 + nameLength;
  if (levelAt >= frame.length) return null;
  return { name: frame.toString('utf8', pos + 2, levelAt), level: frame[levelAt]! };
}
