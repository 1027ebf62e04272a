// QoS 1/2 through the in-flight window [MQTT-3.3.4-9], the rest queued (bounded in count and bytes, oldest
// dropped first); a reconnect resends with DUP [MQTT-4.4.0-1].
import type { BrokerState, Queued, Session } from '../state.js';
import { isExpired, messageBytes, type Message } from '../routing/message.js';
import { dropDelivery, keepDelivery, markDelivery } from './durable.js';

export function deliver(
  core: BrokerState,
  session: Session,
  message: Message,
  qos: 0 | 1 | 2,
  retain: boolean,
  subIds: number[] | undefined,
): void {
  const connection = session.connection;
  if (connection === null || connection.state !== 'connected') {
    // QoS 0 is not kept for offline clients (optional in the spec); QoS 1/2 are [MQTT-3.1.2-5].
    const bytes = qos > 0 ? takeCustody(core, session, message) : 0;
    if (bytes === 0) return;
    const item: Queued = { message, qos, retain, subIds, bytes };
    keepDelivery(core, session, item);
    enqueue(core, session, item);
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
  const bytes = takeCustody(core, session, message);
  if (bytes === 0) return;
  const item: Queued = { message, qos, retain, subIds, bytes };
  keepDelivery(core, session, item);
  if (session.queue !== null && session.queue.length > 0) {
    enqueue(core, session, item); // keep order behind what already waits
    drain(core, session);
    return;
  }
  if (!sendInflight(core, session, item)) enqueue(core, session, item);
}

export function drain(core: BrokerState, session: Session): void {
  const queue = session.queue;
  const connection = session.connection;
  if (queue === null || connection === null || connection.state !== 'connected') return;
  while (queue.length > 0) {
    const next = queue[0]!;
    if (next.qos === 0) {
      queue.shift();
      release(core, session, next);
      if (!isExpired(next.message, Date.now())) connection.sendPublish(next.message, 0, next.retain, 0, false, next.subIds);
      continue;
    }
    if (!sendInflight(core, session, next)) break;
    queue.shift();
  }
  if (session.throttledSince !== 0 && queue.length <= core.limits.maxQueuedPerSession / 4) endPause(core, session, Date.now());
}

export function releasePublishers(session: Session): void {
  const blocked = session.blocked;
  if (blocked === null) return;
  session.blocked = null;
  for (const connection of blocked) connection.resumeReading();
}

/** After a reconnect: resend unacknowledged PUBLISHes (DUP) and PUBRELs in order, then the queue. */
export function resume(core: BrokerState, session: Session): void {
  const connection = session.connection!;
  if (session.outgoing !== null) {
    for (const [packetId, entry] of session.outgoing) {
      if (connection.state === 'closed') return;
      if (entry.state === 'pubrel') connection.send({ cmd: 'pubrel', messageId: packetId });
      else if (!connection.sendPublish(entry.message, entry.qos, entry.retain, packetId, true, entry.subIds)) {
        session.outgoing.delete(packetId); // too large for the client's Maximum Packet Size now [MQTT-3.1.2-25]
        release(core, session, entry);
      }
    }
  }
  drain(core, session);
}

function sendInflight(core: BrokerState, session: Session, item: Queued): boolean {
  const connection = session.connection!;
  const window = Math.min(core.limits.maxInflight, connection.clientReceiveMaximum);
  if ((session.outgoing?.size ?? 0) >= window) return false;
  if (isExpired(item.message, Date.now())) {
    release(core, session, item);
    return true; // expired while waiting: consumed, not sent [MQTT-3.3.2-5]
  }
  const packetId = session.allocatePacketId();
  if (packetId === 0) return false;
  const qos = item.qos as 1 | 2;
  if (!connection.sendPublish(item.message, qos, item.retain, packetId, false, item.subIds)) {
    release(core, session, item);
    return true;
  }
  const entry = { message: item.message, qos, retain: item.retain, subIds: item.subIds, bytes: item.bytes, state: 'publish' as const, seq: item.seq };
  session.outgoing!.set(packetId, entry);
  markDelivery(core, entry, packetId, 'publish');
  return true;
}

export function enqueue(core: BrokerState, session: Session, item: Queued): void {
  const queue = (session.queue ??= []);
  if (session.connection !== null && queue.length >= core.limits.maxQueuedPerSession / 2) throttle(core, session, item.message);
  if (queue.length >= core.limits.maxQueuedPerSession) dropOldest(core, session); // the newest state of a device is worth more than its history
  queue.push(item);
}

function dropOldest(core: BrokerState, session: Session): void {
  release(core, session, session.queue!.shift()!);
  core.counters.droppedMessages++;
}

/** Counts a message against the byte budgets, dropping the oldest queued for room; 0 when it still does not fit. */
export function takeCustody(core: BrokerState, session: Session, message: Message): number {
  const bytes = messageBytes(message);
  while (!fits(core, session, bytes) && (session.queue?.length ?? 0) > 0) dropOldest(core, session);
  if (!fits(core, session, bytes)) {
    core.counters.droppedMessages++;
    return 0;
  }
  session.heldBytes += bytes;
  core.heldBytes += bytes;
  return bytes;
}

function fits(core: BrokerState, session: Session, bytes: number): boolean {
  return session.heldBytes + bytes <= core.limits.maxQueuedBytesPerSession && core.heldBytes + bytes <= core.limits.maxQueuedBytes;
}

/** A message leaves the session's custody: delivered, dropped, expired or no longer allowed. */
export function release(core: BrokerState, session: Session, held: { bytes: number; seq?: number; message: Message }): void {
  session.heldBytes -= held.bytes;
  core.heldBytes -= held.bytes;
  dropDelivery(core, held);
}

/** An acknowledgement closed the delivery with this packet id: free its slot and its bytes, send what waits. */
export function settle(core: BrokerState, session: Session, packetId: number): void {
  const entry = session.outgoing!.get(packetId)!;
  session.outgoing!.delete(packetId);
  release(core, session, entry);
  drain(core, session);
}

/** Everything the session held for delivery is gone (the session ended), from the store too. */
export function releaseAll(core: BrokerState, session: Session): void {
  for (const item of session.queue ?? []) dropDelivery(core, item);
  for (const entry of session.outgoing?.values() ?? []) dropDelivery(core, entry);
  core.heldBytes -= session.heldBytes;
  session.heldBytes = 0;
}

/**
 * A half-full online queue pauses its publisher, so QoS 1/2 slows down instead of being dropped, up to
 * `maxThrottleMs` per `slowSubscriberPenaltyMs`; then the subscriber pauses nobody. Offline ones never pause.
 */
function throttle(core: BrokerState, session: Session, message: Message): void {
  if (message.origin === undefined) return;
  const now = Date.now();
  const penalty = core.limits.slowSubscriberPenaltyMs;
  if (now < session.slowUntil) {
    session.slowUntil = now + penalty;
    return;
  }
  if (now - session.pauseWindowStart > penalty) {
    session.pausedMs = 0;
    session.pauseWindowStart = now;
  }
  if (session.throttledSince === 0) {
    session.throttledSince = now;
    // A paused publisher sends nothing that would end the pause: a timer ends it when the budget runs out.
    armPauseTimer(core, session, core.limits.maxThrottleMs - session.pausedMs);
  }
  if (pausedFor(session, now) > core.limits.maxThrottleMs) return markSlow(core, session, now);
  const publisher = core.sessions.get(message.origin)?.connection;
  if (publisher == null || publisher === session.connection || publisher.state !== 'connected') return;
  (session.blocked ??= new Set()).add(publisher);
  publisher.pauseReading();
}

/** Pause time this subscriber has cost its publishers in the current window, the running pause included, ms. */
function pausedFor(session: Session, now: number): number {
  return session.pausedMs + (session.throttledSince === 0 ? 0 : now - session.throttledSince);
}

/** The subscriber caught up: its publishers read again; if its pauses added up to too much, it is slow now. */
function endPause(core: BrokerState, session: Session, now: number): void {
  session.pausedMs = pausedFor(session, now);
  session.throttledSince = 0;
  if (session.pauseTimer !== null) clearTimeout(session.pauseTimer);
  session.pauseTimer = null;
  releasePublishers(session);
  if (session.pausedMs >= core.limits.maxThrottleMs) session.slowUntil = now + core.limits.slowSubscriberPenaltyMs;
}

/** Ends a pause past the subscriber's budget (`maxThrottleMs`); its timer, or the timer wheel's tick, asks. */
export function endOverlongPause(core: BrokerState, session: Session, now = Date.now()): void {
  if (session.blocked === null) return;
  const left = core.limits.maxThrottleMs - pausedFor(session, now);
  if (left < 0) return markSlow(core, session, now);
  if (session.throttledSince === 0) return;
  // Asked early by the wall clock (timers run on the loop's monotonic clock, which a busy loop or a
  // clock stepped back puts ahead of Date.now()): ask again when the budget runs out by this clock.
  armPauseTimer(core, session, left);
}

/** The one pause timer of a subscriber, set to ask `endOverlongPause` just after `leftMs` more. */
function armPauseTimer(core: BrokerState, session: Session, leftMs: number): void {
  if (session.pauseTimer !== null) clearTimeout(session.pauseTimer);
  session.pauseTimer = setTimeout(endOverlongPause, leftMs + 1, core, session);
  session.pauseTimer.unref();
}

/** The subscriber held its publishers too long: let them go, and pause nobody for a while. */
function markSlow(core: BrokerState, session: Session, now: number): void {
  endPause(core, session, now);
  session.slowUntil = now + core.limits.slowSubscriberPenaltyMs;
}
