// Only a session that outlives its connection (Session Expiry > 0, 3.1.1 Clean Session 0) is stored, with its
// QoS 1/2 messages; a clean session and every QoS 0 delivery never touch the store.
import type { SessionRecord, StoredWill } from '../persistence/index.js';
import type { Message } from '../routing/message.js';
import type { BrokerState, Queued, Session } from '../state.js';

/** Stores the session as it will be at the end of this turn; forgets it when it no longer outlives its connection. */
export function saveSession(core: BrokerState, session: Session): void {
  if (session.expiryInterval > 0) {
    session.stored = true;
    core.store.saveSession(session.clientId, () => sessionRecord(session));
  } else forgetSession(core, session);
}

export function forgetSession(core: BrokerState, session: Session): void {
  if (!session.stored) return;
  session.stored = false;
  core.store.deleteSession(session.clientId);
}

/** A QoS 1/2 message taken into the custody of a stored session. */
export function keepDelivery(core: BrokerState, session: Session, item: Queued): void {
  if (!session.stored || item.qos === 0) return;
  item.seq = core.store.nextSeq();
  const { message, qos, retain, subIds } = item;
  core.store.addDelivery({ seq: item.seq, clientId: session.clientId, message, qos, retain, subIds, packetId: null, state: 'publish' });
}

/** So a restart resends the PUBLISH with DUP, or only its PUBREL [MQTT-4.4.0-1]; in the turn it was added it costs no write. */
export function markDelivery(core: BrokerState, item: { seq?: number }, packetId: number, state: 'publish' | 'pubrel'): void {
  if (item.seq !== undefined) core.store.setDeliveryState(item.seq, packetId, state);
}

export function dropDelivery(core: BrokerState, item: { seq?: number; message: Message }): void {
  if (item.seq !== undefined) core.store.deleteDelivery(item.seq, item.message);
}

function sessionRecord(session: Session): SessionRecord {
  const subscriptions = [...(session.subscriptions ?? [])].map(([key, sub]) => ({
    key,
    qos: sub.qos,
    nl: sub.nl,
    rap: sub.rap,
    rh: sub.rh,
    ...(sub.id !== undefined && { id: sub.id }),
  }));
  return {
    clientId: session.clientId,
    owner: session.owner,
    identity: session.identity,
    rights: { superuser: session.rights.superuser, acl: session.rights.acl },
    expiryInterval: session.expiryInterval,
    expiresAt: session.expiresAt,
    will: storedWill(session),
    subscriptions,
    incomingQos2: [...(session.incomingQos2 ?? [])],
    revoked: session.revoked ?? [],
  };
}

/** The delayed will, or the will of the connection holding the session (it fires if the broker dies). */
function storedWill(session: Session): StoredWill | null {
  if (session.will !== null) return { ...session.will, delaySeconds: 0 };
  const will = session.connection?.will;
  if (will == null) return null;
  return { message: will.message, expirySeconds: will.expirySeconds, delaySeconds: will.delaySeconds, publishAt: null, identity: session.identity, peerAddress: session.connection!.info.peerAddress };
}
