// After a change or on resume: disallowed subscriptions dropped, overlapped ones flagged (`check-deliveries`),
// disallowed messages discarded.
import { checkAcl } from '../../rules/index.js';
import type { AuthenticateAllow, RightsRequest } from '../../schemas/index.js';
import type { BrokerState, Connection, Queued, Rights, Session } from '../state.js';
import { saveSession } from './durable.js';
import { release } from './outbox.js';

/** A subscribe decision of the bundled broker: `checkEach` when a deny rule overlaps the filter. */
export function subscribeVerdict(rights: Rights, filter: string, qos: 0 | 1 | 2): { allow: boolean; checkEach: boolean } {
  if (rights.superuser) return { allow: true, checkEach: false };
  const verdict = checkAcl(rights.acl, { action: 'subscribe', topic: filter, qos }, 'check-deliveries');
  return { allow: verdict.allow, checkEach: verdict.partial };
}

/** May the identity receive a message on this topic name? (Its subscribe rights for the name itself.) */
export function mayReceive(rights: Rights, topic: string, qos: 0 | 1 | 2): boolean {
  return rights.superuser || checkAcl(rights.acl, { action: 'subscribe', topic, qos }).allow;
}

/** As `Authorizer.rights` asks; a username is kept only when it names the device (not a token). */
export function identityRequest(connection: Connection, auth: AuthenticateAllow): RightsRequest {
  const username = auth.deviceId !== null && connection.username === auth.deviceId ? auth.deviceId : undefined;
  return { deviceId: auth.deviceId, incarnation: auth.incarnation, clientId: connection.clientId, username };
}

export interface Applied {
  /** Subscriptions dropped, by the filter as the client sent it. */
  dropped: string[];
  /** Queued and in-flight messages discarded. */
  discarded: number;
}

export function applyRights(core: BrokerState, session: Session, rights: Rights): Applied {
  session.rights = rights;
  const dropped: string[] = [];
  let discarded = 0;
  if (session.subscriptions !== null) {
    for (const [key, sub] of session.subscriptions) {
      const verdict = subscribeVerdict(rights, sub.filter, sub.qos);
      sub.checkEach = verdict.checkEach;
      if (verdict.allow) continue;
      core.tree.remove(sub.filter, sub.group, session.clientId);
      session.deleteSubscription(key);
      dropped.push(key);
    }
  }
  const allowed = (item: Queued) => {
    if (mayReceive(rights, item.message.topic, item.qos)) return true;
    release(core, session, item);
    discarded++;
    return false;
  };
  if (session.queue !== null) session.queue = session.queue.filter(allowed);
  if (session.outgoing !== null) {
    // A PUBREL entry carries no message any more (it was delivered): that exchange is left to finish.
    for (const [packetId, entry] of session.outgoing) if (entry.state === 'publish' && !allowed(entry)) session.outgoing.delete(packetId);
  }
  saveSession(core, session);
  return { dropped, discarded };
}
