/**
 * Registry changes reach connected clients: every affected connection is re-authenticated with the
 * credentials it connected with; a deny (or no answer: fail closed) disconnects it, an allow
 * replaces its ACL and drops the subscriptions the new ACL no longer allows.
 *
 * @module broker/session/recheck
 */
import { checkAcl } from '../../schemas/acl-check.js';
import type { Change } from '../../schemas/index.js';
import type { BrokerCore } from '../broker.js';
import type { Connection } from '../connection.js';
import { RC } from '../reason-codes.js';
import { authenticate, isStale } from './authenticate.js';

const RECHECK_CONCURRENCY = 32;

export async function recheck(core: BrokerCore, change: Change): Promise<void> {
  core.changeEpoch++;
  const affected = [...core.connections].filter(
    (c) => c.state === 'connected' && c.auth !== null && (change.kind === 'all' || c.auth.deviceId === change.deviceId),
  );
  // Bounded fan-out: a `kind: 'all'` change must not fire thousands of requests at the verifier at once.
  for (let i = 0; i < affected.length; i += RECHECK_CONCURRENCY) {
    await Promise.all(affected.slice(i, i + RECHECK_CONCURRENCY).map((connection) => recheckOne(core, connection)));
  }
}

async function recheckOne(core: BrokerCore, connection: Connection): Promise<void> {
  const outcome = await authenticate(core, connection.authenticateRequest(), 'recheck');
  if (connection.state !== 'connected') return;
  const log = { clientId: connection.clientId, deviceId: connection.auth?.deviceId ?? null };
  if (outcome.allow === 'unavailable') {
    core.logger.warn({ ...log, reason: 'authorizer_unavailable', err: String(outcome.error) }, 'recheck could not decide; disconnecting');
    return connection.disconnect(RC.notAuthorized, 'recheck undecided');
  }
  if (!outcome.allow || isStale(outcome, Date.now())) {
    const reason = outcome.allow ? 'expired' : outcome.reason;
    core.logger.warn({ ...log, reason }, 'recheck denied; disconnecting');
    return connection.disconnect(RC.notAuthorized, `recheck denied: ${reason}`);
  }
  connection.auth = outcome;
  connection.aclCache = null;
  connection.credentialExpiresAt = outcome.expiresAt === null ? 0 : outcome.expiresAt * 1000;
  dropForbiddenSubscriptions(core, connection);
}

function dropForbiddenSubscriptions(core: BrokerCore, connection: Connection): void {
  const session = connection.session;
  const auth = connection.auth!;
  if (session?.subscriptions == null || auth.superuser) return;
  for (const [key, sub] of session.subscriptions) {
    if (checkAcl(auth.acl, { action: 'subscribe', topic: sub.filter, qos: sub.qos }).allow) continue;
    core.tree.remove(sub.filter, sub.group, session.clientId);
    session.subscriptions.delete(key);
    core.logger.warn({ clientId: connection.clientId, deviceId: auth.deviceId, filter: key, reason: 'acl_denied' }, 'subscription dropped after recheck');
  }
}
