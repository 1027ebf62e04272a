import { isUtf8 } from 'node:buffer';
import type { IPublishPacket } from 'mqtt-packet';
import type { ParsedPublish } from '../codec.js';
import { checkAcl, isValidTopicName, levelCount } from '../../rules/index.js';
import { ACL_REFUSAL, budgetOwnerOf, type Connection } from '../state.js';
import { ProtocolError } from '../errors.js';
import { RC, publishDenied } from '../reason-codes.js';
import { forwardedProperties, type Message } from '../routing/message.js';
import { route } from '../routing/router.js';
import { publishVariant } from '../outgoing.js';
import { saveSession } from '../session/durable.js';

const ACL_CACHE_MAX = 256;

export function handlePublish(connection: Connection, packet: ParsedPublish): void {
  const topic = resolveTopic(connection, packet);
  validateTopic(connection, packet, topic);
  if (isDuplicateQos2(connection, packet)) return acknowledge(connection, packet, RC.success);
  enforceReceiveMaximum(connection, packet);
  connection.core.counters.messagesIn++;
  if (!authorize(connection, packet, topic)) return acknowledge(connection, packet, publishDenied(connection.version));
  if (!payloadMatchesFormat(packet)) return acknowledge(connection, packet, RC.payloadFormatInvalid);
  const receivers = route(connection.core, toMessage(connection, packet, topic));
  // 5.0 may say nobody received it (a MAY in table 2-6); clients use it to notice a missing consumer.
  acknowledge(connection, packet, receivers === 0 && connection.version === 5 ? RC.noMatchingSubscribers : RC.success);
}

/** 5.0 topic aliases: a PUBLISH may set an alias, or use one with an empty topic [MQTT-3.3.2-12]. */
function resolveTopic(connection: Connection, packet: IPublishPacket): string {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) {
    if (packet.topic.length === 0) throw new ProtocolError('empty topic without a topic alias', RC.protocolError);
    return packet.topic;
  }
  // 0 or above our Topic Alias Maximum is invalid [MQTT-3.3.2-8] [MQTT-3.3.2-9].
  if (alias === 0 || alias > connection.core.limits.topicAliasMaximum) throw new ProtocolError(`topic alias ${alias} invalid`, RC.topicAliasInvalid);
  if (packet.topic.length > 0) {
    (connection.aliases ??= new Map()).set(alias, packet.topic);
    return packet.topic;
  }
  const known = connection.aliases?.get(alias);
  if (known === undefined) throw new ProtocolError(`topic alias ${alias} not set`, RC.protocolError);
  return known;
}

/** No wildcards [MQTT-3.3.2-2] [MQTT-3.3.2-14]; too many levels is invalid too (each costs a node where stored). */
function validateTopic(connection: Connection, packet: IPublishPacket, topic: string): void {
  if (!isValidTopicName(topic)) throw new ProtocolError(`invalid topic name ${JSON.stringify(topic)}`, RC.topicNameInvalid);
  const max = connection.core.limits.maxTopicLevels;
  if (levelCount(topic) > max) throw new ProtocolError(`topic name of more than ${max} levels`, RC.topicNameInvalid);
  const responseTopic = packet.properties?.responseTopic;
  if (responseTopic !== undefined && !isValidTopicName(responseTopic)) throw new ProtocolError('invalid response topic', RC.protocolError);
  if (packet.properties?.subscriptionIdentifier !== undefined) {
    throw new ProtocolError('subscription identifier in a client PUBLISH', RC.protocolError); // [MQTT-3.3.4-6]
  }
}

/** A resent QoS 2 PUBLISH whose id we hold is acknowledged again, not routed again [MQTT-4.3.3-9]. */
function isDuplicateQos2(connection: Connection, packet: IPublishPacket): boolean {
  return packet.qos === 2 && (connection.session!.incomingQos2?.has(packet.messageId!) ?? false);
}

/** More unacknowledged QoS 2 PUBLISHes than our Receive Maximum [MQTT-3.3.4-7]: DISCONNECT 0x93. */
function enforceReceiveMaximum(connection: Connection, packet: IPublishPacket): void {
  if (packet.qos !== 2) return;
  const open = connection.session!.incomingQos2?.size ?? 0;
  if (open >= connection.core.limits.receiveMaximum) throw new ProtocolError('receive maximum exceeded', RC.receiveMaximumExceeded);
}

/** `$` topics belong to the broker; otherwise the CONNECT's ACL decides, verdicts cached per connection. */
function authorize(connection: Connection, packet: IPublishPacket, topic: string): boolean {
  const auth = connection.auth!;
  let allowed: boolean;
  if (topic.startsWith('$')) allowed = false;
  else if (auth.superuser) allowed = true;
  else {
    // Per topic, two bits (known, allowed) per (QoS, retain): a cache hit builds no key string.
    const known = 1 << ((packet.qos * 2 + (packet.retain ? 1 : 0)) * 2);
    const cache = (connection.aclCache ??= new Map());
    const bits = cache.get(topic) ?? 0;
    if ((bits & known) !== 0) allowed = (bits & (known << 1)) !== 0;
    else {
      allowed = checkAcl(auth.acl, { action: 'publish', topic, qos: packet.qos, retain: packet.retain }).allow;
      if (bits === 0 && cache.size >= ACL_CACHE_MAX) cache.clear();
      cache.set(topic, bits | known | (allowed ? known << 1 : 0));
    }
  }
  if (!allowed) {
    connection.core.counters.deniedPublishes++;
    connection.core.refused(connection, { action: 'publish', topic, reason: 'acl_denied', message: ACL_REFUSAL });
    connection.core.logRefusal(
      connection.clientId,
      { clientId: connection.clientId, deviceId: auth.deviceId, topic, qos: packet.qos, retain: packet.retain, reason: 'acl_denied' },
      'publish refused',
    );
  }
  return allowed;
}

/** [MQTT-3.3.2-4]: subscribers trust the flag, so we check; 0x99 or dropped, not routed. */
function payloadMatchesFormat(packet: IPublishPacket): boolean {
  return packet.properties?.payloadFormatIndicator !== true || isUtf8(packet.payload as Buffer);
}

function toMessage(connection: Connection, packet: ParsedPublish, topic: string): Message {
  // The payload is a view of the read chunk: what may be kept (retained, QoS 1/2) gets a copy.
  const view = packet.payload as Buffer;
  const payload = packet.qos > 0 || packet.retain ? Buffer.from(view) : view;
  const expiry = packet.properties?.messageExpiryInterval;
  return {
    topic,
    payload,
    qos: packet.qos,
    retain: packet.retain,
    properties: forwardedProperties(packet.properties),
    expiresAt: expiry === undefined ? undefined : Date.now() + expiry * 1000,
    origin: connection.clientId,
    owner: packet.retain && connection.auth !== null ? budgetOwnerOf(connection.auth, connection.clientId) : undefined,
    // Declared up front either way, so a cached encoding fills in-object slots (see `outgoing.ts`).
    encodedVariant: packet.forwardable === undefined ? undefined : publishVariant(connection.version, 0, false),
    encodedFrame: packet.forwardable,
    otherVariants: undefined,
  };
}

/**
 * PUBACK for QoS 1 [MQTT-4.3.2-4], PUBREC for QoS 2 [MQTT-4.3.3-8], once the store has committed what
 * the message left to keep, in the order the PUBLISHes came [MQTT-4.6.0-2].
 */
function acknowledge(connection: Connection, packet: IPublishPacket, reasonCode: number): void {
  const qos = packet.qos;
  if (qos === 0) return;
  const messageId = packet.messageId!;
  const session = connection.session!;
  // A refused QoS 2 message is not held: the exchange ends with the error PUBREC.
  if (qos === 2 && reasonCode < 0x80 && !session.incomingQos2?.has(messageId)) {
    (session.incomingQos2 ??= new Set()).add(messageId);
    saveSession(connection.core, session);
  }
  const cmd = qos === 1 ? 'puback' : 'pubrec';
  connection.core.store.afterCommit((stored) => {
    if (stored) return connection.send({ cmd, messageId, reasonCode });
    if (qos === 2) session.incomingQos2?.delete(messageId);
    refuseUnstored(connection, cmd, packet);
  });
}

/** 3.1.1 has no negative acknowledgement: the connection closes and the client sends the message again. */
function refuseUnstored(connection: Connection, cmd: 'puback' | 'pubrec', packet: IPublishPacket): void {
  const messageId = packet.messageId!;
  connection.core.refused(connection, { action: 'publish', topic: packet.topic, reason: 'quota_exceeded', message: 'the broker store is full: the message was not kept' });
  if (connection.version === 5) return connection.send({ cmd, messageId, reasonCode: RC.quotaExceeded });
  connection.disconnect(RC.quotaExceeded, 'broker store could not keep a message');
}
