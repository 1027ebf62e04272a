// The message's cached encoding (re-stamped with the packet id) unless the frame carries per-client parts
// (expiry left, Subscription Identifiers, a topic alias).
import type { IPublishPacket } from 'mqtt-packet';
import { encodePublish, restampPublish, type ProtocolVersion } from './codec.js';
import type { Message } from './routing/message.js';

/** Topics shorter than this are sent as they are: an alias costs 3 bytes and a map entry. */
const ALIAS_MIN_TOPIC_BYTES = 8;

/** Server→client topic aliases [MQTT-3.2.2-17] [MQTT-3.3.2-11]; not reassigned once the table is full. */
export class OutgoingAliases {
  private readonly byTopic = new Map<string, number>();
  private lastNew: string | null = null;

  constructor(private readonly max: number) {}

  /** The alias to use and whether the client already knows it; undefined = send the topic. */
  aliasFor(topic: string): { alias: number; known: boolean } | undefined {
    this.lastNew = null;
    const existing = this.byTopic.get(topic);
    if (existing !== undefined) return { alias: existing, known: true };
    if (this.byTopic.size >= this.max || Buffer.byteLength(topic) < ALIAS_MIN_TOPIC_BYTES) return undefined;
    const alias = this.byTopic.size + 1;
    this.byTopic.set(topic, alias);
    this.lastNew = topic;
    return { alias, known: false };
  }

  /** The frame that introduced the last alias was not sent: the client never learnt it. */
  undoLast(): void {
    if (this.lastNew !== null) this.byTopic.delete(this.lastNew);
    this.lastNew = null;
  }
}

export interface OutgoingPublish {
  message: Message;
  qos: 0 | 1 | 2;
  retain: boolean;
  packetId: number;
  dup: boolean;
  subIds: number[] | undefined;
}

export function publishVariant(version: ProtocolVersion, qos: 0 | 1 | 2, retain: boolean): number {
  return (version - 3) * 6 + qos * 2 + (retain ? 1 : 0);
}

export function publishFrame(version: ProtocolVersion, out: OutgoingPublish, aliases: OutgoingAliases | null): Buffer {
  const { message, qos, retain } = out;
  const alias = version === 5 && aliases !== null ? aliases.aliasFor(message.topic) : undefined;
  const cacheable = message.expiresAt === undefined && out.subIds === undefined && alias === undefined;
  const variant = publishVariant(version, qos, retain);
  let template = cacheable ? cachedFrame(message, variant) : undefined;
  if (template === undefined) {
    template = encodePublish(buildPacket(version, out, alias), version);
    if (cacheable) cacheFrame(message, variant, template);
  }
  return qos > 0 ? restampPublish(template, out.packetId, out.dup) : template;
}

function cachedFrame(message: Message, variant: number): Buffer | undefined {
  return message.encodedVariant === variant ? message.encodedFrame : message.otherVariants?.[variant];
}

function cacheFrame(message: Message, variant: number, frame: Buffer): void {
  if (message.encodedFrame === undefined) {
    message.encodedVariant = variant;
    message.encodedFrame = frame;
  } else (message.otherVariants ??= [])[variant] = frame;
}

function buildPacket(version: ProtocolVersion, out: OutgoingPublish, alias: { alias: number; known: boolean } | undefined): IPublishPacket {
  const { message, qos, retain } = out;
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic: alias?.known ? '' : message.topic,
    payload: message.payload,
    qos,
    retain,
    dup: false,
    messageId: qos > 0 ? 1 : undefined, // a placeholder: restampPublish writes the real one
  };
  if (version !== 5) return packet;
  const properties: NonNullable<IPublishPacket['properties']> = { ...message.properties };
  if (message.expiresAt !== undefined) {
    // The receiver gets the time left, not the original interval [MQTT-3.3.2-6].
    properties.messageExpiryInterval = Math.max(1, Math.ceil((message.expiresAt - Date.now()) / 1000));
  }
  if (out.subIds !== undefined) properties.subscriptionIdentifier = out.subIds.length === 1 ? out.subIds[0]! : out.subIds; // [MQTT-3.3.4-3]
  if (alias !== undefined) properties.topicAlias = alias.alias;
  if (Object.keys(properties).length > 0) packet.properties = properties;
  return packet;
}
