// Wills and their delay, session expiry, and the one timer wheel for keep alive, CONNECT timeout and
// credential expiry (idle connections carry no timer).
import type { RecordReason } from '../../schemas/index.js';
import { checkAcl } from '../../rules/index.js';
import { budgetOwnerOf, type BrokerState, type Connection, type PendingWill, type Session } from '../state.js';
import { RC } from '../reason-codes.js';
import { route } from '../routing/router.js';
import { rightsNow } from './ask-authorizer.js';
import { forgetSession, saveSession } from './durable.js';
import { endOverlongPause, releaseAll, releasePublishers } from './outbox.js';

/** Session Expiry Interval meaning "never" [MQTT-3.1.2-11]. */
export const NEVER_EXPIRES = 0xffffffff;

/** The end-of-connection rules: will, session expiry, bookkeeping. Runs once per connection. */
export function endConnection(core: BrokerState, connection: Connection): void {
  core.connections.delete(connection);
  const session = connection.session;
  if (session === null) return;
  const now = Date.now();
  const will = connection.will === null ? null : pendingWill(connection, session, now);
  if (session.connection !== connection) {
    // Taken over: the new connection owns the session; an undelayed will still goes out [MQTT-3.1.4-3].
    if (will !== null && will.publishAt <= now) publishWill(core, session.clientId, will);
    return;
  }
  session.connection = null;
  releasePublishers(session);
  if (will !== null) {
    if (will.publishAt <= now) publishWill(core, session.clientId, will);
    else session.will = will;
  }
  if (session.expiryInterval === 0) return endSession(core, session); // [MQTT-3.1.2-6] [MQTT-3.1.2-23]
  session.expiresAt = session.expiryInterval === NEVER_EXPIRES ? null : now + session.expiryInterval * 1000;
  if (session.will !== null || session.expiresAt !== null) core.dormant.add(session);
  saveSession(core, session);
}

/** A session being reused by a new connection: cancel its delayed will [MQTT-3.1.3-9] and its expiry. */
export function wakeSession(core: BrokerState, session: Session): void {
  core.dormant.delete(session);
  session.will = null;
  session.expiresAt = null;
}

/** Ends a session: a pending will goes out first [MQTT-3.1.3-9], then its state is discarded. */
export function endSession(core: BrokerState, session: Session): void {
  if (session.will !== null) publishWill(core, session.clientId, session.will);
  session.will = null;
  discardSession(core, session);
}

/** Forgets a session's state without side effects (Clean Start [MQTT-3.1.2-4]). */
export function discardSession(core: BrokerState, session: Session): void {
  if (session.subscriptions !== null) {
    for (const sub of session.subscriptions.values()) core.tree.remove(sub.filter, sub.group, session.clientId);
  }
  session.subscriptions = null;
  session.subscriptionBytes = 0;
  releaseAll(core, session);
  session.queue = null;
  session.outgoing = null;
  session.incomingQos2 = null;
  core.dormant.delete(session);
  const current = core.sessions.get(session.clientId);
  if (current === undefined || current === session) forgetSession(core, session); // not the rows of its successor
  if (current === session) core.sessions.delete(session.clientId);
}

/** Retained messages dropped per tick once expired; more wait for the next tick (a SUBSCRIBE never sees them). */
const EXPIRED_RETAINED_PER_TICK = 1000;

/** One tick of the wheel: connection deadlines, dormant sessions' wills and expiry, expired retained messages. */
export function tick(core: BrokerState, now: number): void {
  for (const connection of core.connections) checkDeadlines(core, connection, now);
  for (const session of core.dormant) settleSession(core, session, now);
  core.retained.sweepExpired(now, EXPIRED_RETAINED_PER_TICK);
}

/** Publishes a will whose delay is over, ends a session whose expiry has passed; false when it ended. */
export function settleSession(core: BrokerState, session: Session, now: number): boolean {
  if (session.will !== null && session.will.publishAt <= now) {
    publishWill(core, session.clientId, session.will);
    session.will = null;
    saveSession(core, session);
  }
  if (session.expiresAt !== null && session.expiresAt <= now) {
    endSession(core, session);
    return false;
  }
  if (session.will === null && session.expiresAt === null) core.dormant.delete(session);
  return true;
}

function checkDeadlines(core: BrokerState, connection: Connection, now: number): void {
  const session = connection.session;
  if (session !== null) endOverlongPause(core, session, now);
  if (connection.state === 'new' && now - connection.lastSeen > core.limits.connectTimeoutMs) {
    return connection.disconnect(RC.protocolError, 'no CONNECT in time');
  }
  if (connection.state !== 'connected') return;
  // One and a half keep alive periods without a packet [MQTT-3.1.2-24] (5.0: [MQTT-3.1.2-22]).
  if (connection.keepAliveMs > 0 && !connection.throttled && now - connection.lastSeen > connection.keepAliveMs * 1.5) {
    return connection.disconnect(RC.keepAliveTimeout, 'keep alive timeout');
  }
  if (connection.credentialExpiresAt > 0 && now >= connection.credentialExpiresAt) {
    core.logger.warn({ clientId: connection.clientId, deviceId: connection.auth?.deviceId ?? null, reason: 'expired' }, 'credential expired');
    connection.revoke('credential expired');
  }
}

function pendingWill(connection: Connection, session: Session, now: number): PendingWill {
  const will = connection.will!;
  return { message: will.message, expirySeconds: will.expirySeconds, publishAt: now + will.delaySeconds * 1000, identity: session.identity, peerAddress: connection.info.peerAddress };
}

/** Decided by the rights of the moment it is sent (a round trip; wills are rare), no answer refuses. */
function publishWill(core: BrokerState, clientId: string, will: PendingWill): void {
  const { topic, qos, retain } = will.message;
  const refuse = (reason: RecordReason | 'authorizer_unavailable') => {
    core.counters.deniedPublishes++;
    core.logRefusal(clientId, { clientId, deviceId: will.identity.deviceId, topic, reason }, 'will refused');
    // Nothing to tell a verifier that did not answer; a decided refusal joins its recent decisions.
    if (reason !== 'authorizer_unavailable') {
      core.recordRefusal({ clientId, deviceId: will.identity.deviceId, peerAddress: will.peerAddress, action: 'publish', topic, reason, message: 'will refused by the rights of the moment it was due' });
    }
  };
  rightsNow(core, will.identity)
    .then((rights) => {
      if (rights.allow === 'unavailable') return refuse('authorizer_unavailable');
      if (!rights.allow) return refuse(rights.reason);
      if (!rights.superuser && !checkAcl(rights.acl, { action: 'publish', topic, qos, retain }).allow) return refuse('acl_denied');
      core.counters.messagesIn++;
      // The Message Expiry Interval of a will counts from when it is published, not from CONNECT.
      const message = {
        ...will.message,
        ...(will.expirySeconds !== undefined && { expiresAt: Date.now() + will.expirySeconds * 1000 }),
        ...(retain && { owner: budgetOwnerOf(will.identity, clientId) }),
      };
      route(core, message);
    })
    .catch((err: unknown) => core.logger.error({ clientId, err }, 'will could not be published'));
}
