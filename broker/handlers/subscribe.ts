// One SUBACK code per filter, in order [MQTT-3.8.4-6], then the retained messages asked for [MQTT-3.3.1-9..11].
import type { ISubscribePacket, ISubscription } from 'mqtt-packet';
import { levelCount, parseFilter } from '../../rules/index.js';
import { ACL_REFUSAL, type Connection, type Subscription } from '../state.js';
import { ProtocolError } from '../errors.js';
import { subackDenied, subackInvalid, subackQuotaExceeded } from '../reason-codes.js';
import { subscriptionBytes } from '../routing/topic-tree.js';
import { saveSession } from '../session/durable.js';
import { deliver } from '../session/outbox.js';
import { mayReceive, subscribeVerdict } from '../session/rights.js';

/** Largest Subscription Identifier (a variable byte integer). */
const MAX_SUBSCRIPTION_ID = 268_435_455;

export function handleSubscribe(connection: Connection, packet: ISubscribePacket): void {
  // At least one filter [MQTT-3.8.3-3] (5.0: "a SUBSCRIBE packet with no Payload is a Protocol Error").
  if (packet.subscriptions.length === 0) throw new ProtocolError('SUBSCRIBE without a topic filter');
  const subId = subscriptionId(packet);
  const granted: number[] = [];
  const fresh: Array<{ sub: Subscription; isNew: boolean }> = [];
  for (const request of packet.subscriptions) {
    const outcome = subscribeOne(connection, request, subId);
    granted.push(outcome.code);
    if (outcome.sub !== undefined) fresh.push({ sub: outcome.sub, isNew: outcome.isNew });
  }
  if (fresh.length > 0) saveSession(connection.core, connection.session!);
  // A granted subscription is kept before the client is told.
  connection.core.store.afterCommit(() => {
    connection.send({ cmd: 'suback', messageId: packet.messageId!, granted });
    for (const { sub, isNew } of fresh) sendRetained(connection, sub, isNew);
  });
}

/** One Subscription Identifier per SUBSCRIBE, 1..268435455, never 0. */
function subscriptionId(packet: ISubscribePacket): number | undefined {
  const id = packet.properties?.subscriptionIdentifier as number | number[] | undefined;
  if (id === undefined) return undefined;
  if (Array.isArray(id) || id < 1 || id > MAX_SUBSCRIPTION_ID) throw new ProtocolError('invalid subscription identifier');
  return id;
}

function subscribeOne(
  connection: Connection,
  request: ISubscription,
  id: number | undefined,
): { code: number; sub?: Subscription; isNew: boolean } {
  const session = connection.session!;
  const parsed = parseFilter(request.topic);
  if (parsed === null) {
    connection.core.refused(connection, { action: 'subscribe', topic: request.topic, reason: 'invalid_request', message: 'not a valid topic filter' });
    return refuse(connection, { filter: request.topic, reason: 'invalid_filter' }, subackInvalid(connection.version));
  }
  if (!withinFilterLimits(connection, request.topic, parsed.filter)) {
    const { maxFilterLength, maxTopicLevels } = connection.core.limits;
    connection.core.refused(connection, { action: 'subscribe', topic: request.topic, reason: 'quota_exceeded', message: `over ${maxFilterLength} bytes or ${maxTopicLevels} levels per filter` });
    return refuse(connection, { bytes: Buffer.byteLength(request.topic), levels: levelCount(parsed.filter), reason: 'filter_too_large' }, subackInvalid(connection.version));
  }
  // No Local on a shared subscription is a protocol error [MQTT-3.8.3-4].
  if (parsed.group !== undefined && request.nl === true) throw new ProtocolError('no local on a shared subscription');
  const qos = Math.min(request.qos, 2) as 0 | 1 | 2;
  const subscriptions = session.subscriptions;
  const limits = connection.core.limits;
  const isNewFilter = !subscriptions?.has(request.topic);
  if (isNewFilter && (subscriptions?.size ?? 0) >= limits.maxSubscriptionsPerSession) {
    connection.core.refused(connection, { action: 'subscribe', topic: request.topic, reason: 'quota_exceeded', message: `over ${limits.maxSubscriptionsPerSession} subscriptions per session` });
    return refuse(connection, { filter: request.topic, reason: 'quota_exceeded' }, subackQuotaExceeded(connection.version));
  }
  if (isNewFilter && session.subscriptionBytes + subscriptionBytes(request.topic) > limits.maxSubscriptionBytesPerSession) {
    connection.core.refused(connection, { action: 'subscribe', topic: request.topic, reason: 'quota_exceeded', message: `over ${limits.maxSubscriptionBytesPerSession} subscription bytes per session` });
    return refuse(connection, { filter: request.topic, reason: 'subscription_bytes_exceeded' }, subackQuotaExceeded(connection.version));
  }
  // A deny rule that only overlaps the filter is enforced per delivery (`checkEach`), as Mosquitto does.
  const verdict = subscribeVerdict(session.rights, parsed.filter, qos);
  if (!verdict.allow) {
    connection.core.refused(connection, { action: 'subscribe', topic: request.topic, reason: 'acl_denied', message: ACL_REFUSAL });
    return refuse(connection, { filter: request.topic, qos, reason: 'acl_denied' }, subackDenied(connection.version));
  }
  const sub: Subscription = {
    session,
    filter: parsed.filter,
    group: parsed.group,
    qos,
    nl: request.nl ?? false,
    rap: connection.version === 5 ? (request.rap ?? false) : false,
    rh: request.rh ?? 0,
    id,
    checkEach: verdict.checkEach,
  };
  // Same filter again replaces the subscription [MQTT-3.8.4-3].
  const isNew = connection.core.tree.add(sub);
  session.setSubscription(request.topic, sub);
  return { code: qos, sub, isNew };
}

/** Too long or too deep is invalid (0x8F; 3.1.1 0x80): each level is a node of the subscription tree. */
function withinFilterLimits(connection: Connection, filter: string, matched: string): boolean {
  const { maxFilterLength, maxTopicLevels } = connection.core.limits;
  return Buffer.byteLength(filter) <= maxFilterLength && levelCount(matched) <= maxTopicLevels;
}

function refuse(connection: Connection, fields: { reason: string } & Record<string, unknown>, code: number): { code: number; isNew: false } {
  connection.core.counters.refusedSubscriptions++;
  connection.core.logRefusal(connection.clientId, { clientId: connection.clientId, deviceId: connection.auth?.deviceId ?? null, ...fields }, 'subscribe refused');
  return { code, isNew: false };
}

/** With retain set [MQTT-3.3.1-6]: Retain Handling 0 always, 1 if new, 2 never; never to share groups. */
function sendRetained(connection: Connection, sub: Subscription, isNew: boolean): void {
  if (sub.group !== undefined || sub.rh === 2 || (sub.rh === 1 && !isNew)) return;
  const core = connection.core;
  for (const message of core.retained.matching(sub.filter, Date.now())) {
    if (sub.checkEach && !mayReceive(sub.session.rights, message.topic, sub.qos)) continue;
    const qos = Math.min(message.qos, sub.qos) as 0 | 1 | 2;
    deliver(core, sub.session, message, qos, true, sub.id === undefined ? undefined : [sub.id]);
  }
}
