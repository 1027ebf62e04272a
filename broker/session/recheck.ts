// Changes reach every session they affect, 32 at a time: connected clients re-authenticate (deny or no
// answer: disconnected, no will); stored sessions are held to `Authorizer.rights`.
import type { Change } from '../../schemas/index.js';
import type { BrokerState, Connection, Session } from '../state.js';
import { authenticateNow, isStale, rightsNow } from './ask-authorizer.js';
import { discardSession } from './lifecycle.js';
import { applyRights } from './rights.js';

const RECHECK_CONCURRENCY = 32;

/** The devices changed in this turn of the event loop, re-checked together after it. */
interface PendingRecheck {
  all: boolean;
  devices: Set<string>;
  done: Promise<void>;
}

const pending = new WeakMap<BrokerState, PendingRecheck>();

/**
 * An import announces one change per device: they are gathered for the turn, so the connections and
 * sessions are scanned once, not once per change, and a session is re-checked once however many of
 * its changes came together. The epoch moves at once, so a CONNECT decided meanwhile is decided again.
 */
export function recheck(core: BrokerState, change: Change): Promise<void> {
  core.changeEpoch++;
  let batch = pending.get(core);
  if (batch === undefined) {
    const gathering: PendingRecheck = { all: false, devices: new Set(), done: Promise.resolve() };
    gathering.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      pending.delete(core);
      return recheckAffected(core, gathering);
    });
    pending.set(core, (batch = gathering));
  }
  if (change.kind === 'all') batch.all = true;
  else batch.devices.add(change.deviceId);
  return batch.done;
}

async function recheckAffected(core: BrokerState, batch: PendingRecheck): Promise<void> {
  const affects = (deviceId: string | null) => batch.all || (deviceId !== null && batch.devices.has(deviceId));
  const connected = [...core.connections].filter((c) => c.state === 'connected' && c.auth !== null && affects(c.auth.deviceId));
  const away = [...core.sessions.values()].filter((s) => s.connection === null && affects(s.identity.deviceId));
  const jobs = [...connected.map((c) => () => recheckConnection(core, c)), ...away.map((s) => () => recheckStored(core, s))];
  // Bounded fan-out: a `kind: 'all'` change must not fire thousands of requests at the verifier at once.
  for (let i = 0; i < jobs.length; i += RECHECK_CONCURRENCY) {
    await Promise.all(jobs.slice(i, i + RECHECK_CONCURRENCY).map((job) => job()));
  }
}

async function recheckConnection(core: BrokerState, connection: Connection): Promise<void> {
  const outcome = await authenticateNow(core, connection.authenticateRequest(), 'recheck');
  if (connection.state !== 'connected') return;
  const log = { clientId: connection.clientId, deviceId: connection.auth?.deviceId ?? null };
  if (outcome.allow === 'unavailable') {
    core.logger.warn({ ...log, reason: 'authorizer_unavailable', err: String(outcome.error) }, 'recheck could not decide; disconnecting');
    return connection.revoke('recheck undecided');
  }
  if (!outcome.allow || isStale(outcome, Date.now())) {
    const reason = outcome.allow ? 'expired' : outcome.reason;
    core.logger.warn({ ...log, reason }, 'recheck denied; disconnecting');
    const session = connection.session;
    connection.revoke(`recheck denied: ${reason}`);
    // A removed device is gone for good: what was kept for it must not wait for a device of the same id.
    if (reason === 'unknown_device' && session !== null && session.connection === null) discardSession(core, session);
    return;
  }
  connection.auth = outcome;
  connection.aclCache = null;
  connection.credentialExpiresAt = outcome.expiresAt === null ? 0 : outcome.expiresAt * 1000;
  if (connection.session !== null) report(core, connection.session, applyRights(core, connection.session, outcome), 'subscriptions dropped after recheck');
}

/** An authorizer that cannot answer a whole batch is down: the rest wait for their CONNECT, not a timeout each. */
export async function recheckRestored(core: BrokerState): Promise<void> {
  const away = [...core.sessions.values()].filter((s) => s.connection === null);
  for (let i = 0; i < away.length; i += RECHECK_CONCURRENCY) {
    const outcomes = await Promise.all(away.slice(i, i + RECHECK_CONCURRENCY).map((s) => recheckStored(core, s)));
    if (outcomes.every((outcome) => outcome === 'unavailable')) {
      core.logger.warn({ sessions: away.length - i, reason: 'authorizer_unavailable' }, 'restored sessions left to be re-checked when they resume');
      return;
    }
  }
}

async function recheckStored(core: BrokerState, session: Session): Promise<'unavailable' | 'decided'> {
  const outcome = await rightsNow(core, session.identity);
  // Resumed or ended meanwhile: the CONNECT (or its end) has decided with fresher facts.
  if (session.connection !== null || core.sessions.get(session.clientId) !== session) return 'decided';
  const log = { clientId: session.clientId, deviceId: session.identity.deviceId };
  if (outcome.allow === 'unavailable') {
    // Nothing is delivered while it is away; resuming it re-checks everything (see handlers/connect).
    core.logger.warn({ ...log, reason: 'authorizer_unavailable', err: String(outcome.error) }, 'stored session not re-checked');
    return 'unavailable';
  }
  if (!outcome.allow) {
    if (outcome.reason !== 'unknown_device') return 'decided'; // disabled: kept, and re-checked when it resumes
    core.logger.warn({ ...log, reason: outcome.reason }, 'stored session of a removed identity discarded');
    discardSession(core, session);
    return 'decided';
  }
  const applied = applyRights(core, session, outcome);
  if (applied.dropped.length > 0) (session.revoked ??= []).push(...applied.dropped);
  report(core, session, applied, 'stored session held to current rights');
  return 'decided';
}

function report(core: BrokerState, session: Session, applied: ReturnType<typeof applyRights>, msg: string): void {
  if (applied.dropped.length === 0 && applied.discarded === 0) return;
  core.logger.warn({ clientId: session.clientId, deviceId: session.identity.deviceId, ...applied, reason: 'acl_denied' }, msg);
}
