// Restored sessions are all away, so nothing reaches a client before its CONNECT re-checks it. Expiry and
// will delay count from the last commit; today's queue bounds apply to a store written under larger ones.
import { parseFilter } from '../../rules/index.js';
import type { DeliveryRecord, SessionRecord, StoredState } from '../persistence/index.js';
import { NEVER_EXPIRES, settleSession } from './lifecycle.js';
import { enqueue, takeCustody } from './outbox.js';
import { subscribeVerdict } from './rights.js';
import { Session, type BrokerState } from '../state.js';

export function restore(core: BrokerState, state: StoredState, now: number): void {
  for (const message of state.retained) if (!core.retained.set(message)) forgetRetained(core, message.topic);
  const endedAt = state.lastCommitAt ?? now;
  for (const record of state.sessions) restoreSession(core, record, endedAt);
  const droppedBefore = core.counters.droppedMessages;
  for (const delivery of state.deliveries) restoreDelivery(core, delivery);
  for (const session of [...core.dormant]) settleSession(core, session, now);
  const { sessions, deliveries, retained } = state;
  if (sessions.length + retained.length > 0) {
    const dropped = core.counters.droppedMessages - droppedBefore;
    core.logger.info({ sessions: sessions.length, deliveries: deliveries.length, dropped, retained: retained.length, live: core.sessions.size }, 'broker store loaded');
  }
}

function forgetRetained(core: BrokerState, topic: string): void {
  core.counters.droppedMessages++;
  core.store.deleteRetained(topic);
}

function restoreSession(core: BrokerState, record: SessionRecord, endedAt: number): void {
  const session = new Session(record.clientId, record.owner, record.identity, record.rights);
  session.stored = true;
  session.expiryInterval = record.expiryInterval;
  session.expiresAt = record.expiresAt ?? (record.expiryInterval === NEVER_EXPIRES ? null : endedAt + record.expiryInterval * 1000);
  const will = record.will;
  if (will !== null) {
    const publishAt = will.publishAt ?? endedAt + will.delaySeconds * 1000;
    session.will = { message: will.message, expirySeconds: will.expirySeconds, publishAt, identity: will.identity, peerAddress: will.peerAddress ?? '' };
  }
  for (const stored of record.subscriptions) {
    const parsed = parseFilter(stored.key);
    if (parsed === null) continue;
    const { key, ...options } = stored;
    const sub = { session, filter: parsed.filter, group: parsed.group, ...options, checkEach: subscribeVerdict(session.rights, parsed.filter, stored.qos).checkEach };
    core.tree.add(sub);
    session.setSubscription(key, sub);
  }
  if (record.incomingQos2.length > 0) session.incomingQos2 = new Set(record.incomingQos2);
  if (record.revoked.length > 0) session.revoked = [...record.revoked];
  core.sessions.set(session.clientId, session);
  core.dormant.add(session);
}

function restoreDelivery(core: BrokerState, delivery: DeliveryRecord): void {
  const session = core.sessions.get(delivery.clientId);
  if (session === undefined) return;
  const { message, qos, retain, subIds, seq, packetId, state } = delivery;
  const bytes = takeCustody(core, session, message);
  if (bytes === 0) {
    core.store.deleteDelivery(seq, message);
    return;
  }
  if (packetId !== null && !session.outgoing?.has(packetId)) (session.outgoing ??= new Map()).set(packetId, { message, qos, retain, subIds, bytes, state, seq });
  else enqueue(core, session, { message, qos, retain, subIds, bytes, seq });
}
