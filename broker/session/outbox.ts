/**
 * Delivery to one session: QoS 0 straight to the socket, QoS 1/2 through the in-flight window
 * (the smaller of our maxInflight and the client's Receive Maximum [MQTT-3.3.4-9]), the rest queued,
 * bounded, oldest dropped first. Reconnecting resends what was in flight with DUP set [MQTT-4.4.0-1].
 *
 * @module broker/session/outbox
 */
import type { BrokerCore } from '../broker.js';
import { isExpired, type Message } from '../routing/message.js';
import type { Queued, Session } from './session.js';

/** Hands one message to a session, online or not. */
export function deliver(
  core: BrokerCore,
  session: Session,
  message: Message,
  qos: 0 | 1 | 2,
  retain: boolean,
  subIds: number[] | undefined,
): void {
  const connection = session.connection;
  if (connection === null || connection.state !== 'connected') {
    // QoS 0 is not kept for offline clients (optional in the spec); QoS 1/2 are [MQTT-3.1.2-5].
    if (qos > 0) enqueue(core, session, { message, qos, retain, subIds });
    return;
  }
  if (qos === 0) {
    if (connection.writer.backlog > core.limits.maxWriteBufferBytes) {
      core.counters.droppedMessages++; // a consumer that cannot keep up loses QoS 0, not our memory
      return;
    }
    connection.sendPublish(message, 0, retain, 0, false, subIds);
    return;
  }
  if (session.queue !== null && session.queue.length > 0) {
    enqueue(core, session, { message, qos, retain, subIds }); // keep order behind what already waits
    drain(core, session);
    return;
  }
  if (!sendInflight(core, session, { message, qos, retain, subIds })) enqueue(core, session, { message, qos, retain, subIds });
}

/** Sends queued messages while the in-flight window has room. */
export function drain(core: BrokerCore, session: Session): void {
  const queue = session.queue;
  const connection = session.connection;
  if (queue === null || connection === null || connection.state !== 'connected') return;
  while (queue.length > 0) {
    const next = queue[0]!;
    if (next.qos === 0) {
      queue.shift();
      if (!isExpired(next.message, Date.now())) connection.sendPublish(next.message, 0, next.retain, 0, false, next.subIds);
      continue;
    }
    if (!sendInflight(core, session, next)) break;
    queue.shift();
  }
  if (session.throttledSince !== 0 && queue.length <= core.limits.maxQueuedPerSession / 4) {
    session.throttledSince = 0;
    releasePublishers(session);
  }
}

/** Lets the publishers paused for this session read again. */
export function releasePublishers(session: Session): void {
  const blocked = session.blocked;
  if (blocked === null) return;
  session.blocked = null;
  for (const connection of blocked) connection.resumeReading();
}

/** After a reconnect: resend unacknowledged PUBLISHes (DUP) and PUBRELs in order, then the queue. */
export function resume(core: BrokerCore, session: Session): void {
  const connection = session.connection!;
  if (session.outgoing !== null) {
    for (const [packetId, entry] of session.outgoing) {
      if (connection.state === 'closed') return;
      if (entry.state === 'pubrel') connection.send({ cmd: 'pubrel', messageId: packetId });
      else if (!connection.sendPublish(entry.message, entry.qos, entry.retain, packetId, true, entry.subIds)) {
        session.outgoing.delete(packetId); // too large for the client's Maximum Packet Size now [MQTT-3.1.2-25]
      }
    }
  }
  drain(core, session);
}

function sendInflight(core: BrokerCore, session: Session, item: Queued): boolean {
  const connection = session.connection!;
  const window = Math.min(core.limits.maxInflight, connection.clientReceiveMaximum);
  if ((session.outgoing?.size ?? 0) >= window) return false;
  if (isExpired(item.message, Date.now())) return true; // expired while waiting: consumed, not sent [MQTT-3.3.2-5]
  const packetId = session.allocatePacketId();
  if (packetId === 0) return false;
  const qos = item.qos as 1 | 2;
  if (!connection.sendPublish(item.message, qos, item.retain, packetId, false, item.subIds)) return true;
  session.outgoing!.set(packetId, { message: item.message, qos, retain: item.retain, subIds: item.subIds, state: 'publish' });
  return true;
}

function enqueue(core: BrokerCore, session: Session, item: Queued): void {
  const queue = (session.queue ??= []);
  if (session.connection !== null && queue.length >= core.limits.maxQueuedPerSession / 2) throttle(core, session, item.message);
  if (queue.length >= core.limits.maxQueuedPerSession) {
    queue.shift(); // drop-oldest: the newest state of a device is worth more than its history
    core.counters.droppedMessages++;
  }
  queue.push(item);
}

/**
 * Flow control: an online subscriber whose queue is half full pauses the publisher feeding it, so
 * QoS 1/2 traffic slows to the subscriber's pace instead of being dropped. Offline sessions never
 * pause anyone: a device being away must not stall the others, and nor may one that stays stuck
 * past `maxThrottleMs` (the tick releases its publishers; it then loses messages, oldest first).
 */
function throttle(core: BrokerCore, session: Session, message: Message): void {
  if (message.origin === undefined) return;
  const now = Date.now();
  if (session.throttledSince === 0) session.throttledSince = now;
  else if (now - session.throttledSince > core.limits.maxThrottleMs) return; // too slow for too long: drop instead
  const publisher = core.sessions.get(message.origin)?.connection;
  if (publisher == null || publisher === session.connection || publisher.state !== 'connected') return;
  (session.blocked ??= new Set()).add(publisher);
  publisher.pauseReading();
}
