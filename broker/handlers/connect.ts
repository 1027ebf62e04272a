// CONNECT as named steps (aedes `connectActions`); a refusal ends them with a CONNACK code and a close.
import { randomUUID } from 'node:crypto';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { isValidTopicName, levelCount } from '../../rules/index.js';
import type { AuthenticateAllow } from '../../schemas/index.js';
import type { ProtocolVersion } from '../codec.js';
import { Session, identityOf, type Connection, type ConnectionState } from '../state.js';
import { OutgoingAliases } from '../outgoing.js';
import { ConnectRefusedError, MalformedPacketError, ProtocolError } from '../errors.js';
import { RC, connackRefusal } from '../reason-codes.js';
import { authenticateNow, isStale, rightsNow } from '../session/ask-authorizer.js';
import { saveSession } from '../session/durable.js';
import { discardSession, settleSession, wakeSession } from '../session/lifecycle.js';
import { resume } from '../session/outbox.js';
import { applyRights, identityRequest } from '../session/rights.js';
import { forwardedProperties } from '../routing/message.js';

interface ConnectContext {
  connection: Connection;
  packet: IConnectPacket;
  clientId: string;
  auth?: AuthenticateAllow;
  session?: Session;
  sessionPresent: boolean;
  connack: NonNullable<IConnackPacket['properties']>;
}

type Step = (ctx: ConnectContext) => void | Promise<void>;

const connectSteps: Step[] = [
  checkPacket,
  checkClientId,
  storeWill,
  authenticate,
  takeSlot,
  setKeepAlive,
  checkSessionOwner,
  takeOver,
  openSession,
  applyClientLimits,
  recheckResumedSession,
  sendConnack,
  resumeDelivery,
];

export function handleConnect(connection: Connection, packet: IConnectPacket): void {
  connection.version = (packet.protocolVersion ?? 4) as ProtocolVersion;
  // From the CONNACK on, nothing larger goes to the client [MQTT-3.1.2-24]; 0 is refused below.
  connection.clientMaxPacketSize = packet.properties?.maximumPacketSize ?? 0;
  connection.state = 'connecting';
  connection.holdFrames();
  const ctx: ConnectContext = {
    connection,
    packet,
    clientId: packet.clientId,
    sessionPresent: false,
    connack: {},
  };
  runSteps(ctx).catch((error: unknown) => refuseOrFail(connection, error));
}

async function runSteps(ctx: ConnectContext): Promise<void> {
  for (const step of connectSteps) {
    const pending = step(ctx);
    if (pending !== undefined) await pending; // only the authorizer is asynchronous: no promise per step
    if (ctx.connection.state === 'closed') return; // the client went away while we waited
  }
  ctx.connection.releaseFrames();
}

function refuseOrFail(connection: Connection, error: unknown): void {
  if (connection.version === 5 && (error instanceof ProtocolError || error instanceof MalformedPacketError)) {
    // 5.0 can say why a CONNECT was unacceptable: CONNACK with the reason, then close [MQTT-3.2.2-7].
    const reasonCode = error instanceof ProtocolError ? error.reasonCode : RC.malformedPacket;
    connection.core.logger.info({ peer: connection.info.peerAddress, reasonCode, reason: error.message }, 'connect rejected');
    connection.send({ cmd: 'connack', sessionPresent: false, reasonCode });
    return connection.close();
  }
  if (!(error instanceof ConnectRefusedError)) return connection.fail(error);
  const core = connection.core;
  core.counters.refusedConnects++;
  // Rate limited per peer and reason (a password guesser must not flood the log); the counter stays exact.
  const reason = error.refusal.kind === 'deny' ? error.refusal.reason : error.refusal.kind;
  core.logRefusal(
    connection.info.peerAddress,
    { clientId: connection.clientId || undefined, deviceId: null, peer: connection.info.peerAddress, reason, detail: error.message },
    'connect refused',
  );
  const code = connackRefusal(error.refusal, connection.version);
  connection.send({ cmd: 'connack', sessionPresent: false, returnCode: code, reasonCode: code }); // [MQTT-3.2.2-4]
  connection.close(); // [MQTT-3.2.2-5]
}

/** Flags and fields the parser leaves to us. */
function checkPacket({ connection, packet }: ConnectContext): void {
  // 3.1.1: a password requires a username [MQTT-3.1.2-22].
  if (connection.version !== 5 && packet.password !== undefined && packet.username === undefined) {
    throw new MalformedPacketError('password flag without username flag');
  }
  if ((packet.will?.qos as number | undefined) === 3) throw new MalformedPacketError('will QoS 3'); // [MQTT-3.1.2-14]
  // We offer no enhanced authentication method [MQTT-4.12.0-1].
  if (packet.properties?.authenticationMethod !== undefined) {
    throw new ConnectRefusedError({ kind: 'bad_auth_method' }, `unsupported authentication method ${packet.properties.authenticationMethod}`);
  }
  if (packet.properties?.receiveMaximum === 0) throw new ProtocolError('receive maximum 0');
  if (packet.properties?.maximumPacketSize === 0) throw new ProtocolError('maximum packet size 0');
}

/** MQTT 3.1 (MQIsdp) client ids are 1 to 23 characters; others get return code 2 (3.1 §3.1, "Client Identifier"). */
const MQTT31_MAX_CLIENT_ID = 23;

/** Empty: 3.1.1 only with Clean Session, else 0x02 [MQTT-3.1.3-8]; 5.0 assigns one [MQTT-3.1.3-6] [MQTT-3.2.2-16]; 3.1 never. */
function checkClientId(ctx: ConnectContext): void {
  if (ctx.connection.version === 3 && (ctx.clientId.length === 0 || ctx.clientId.length > MQTT31_MAX_CLIENT_ID)) {
    throw new ConnectRefusedError({ kind: 'client_id' }, `MQTT 3.1 client id of ${ctx.clientId.length} characters`);
  }
  if (ctx.clientId.length > 0) {
    ctx.connection.clientId = ctx.clientId;
    return;
  }
  if (ctx.connection.version !== 5 && !ctx.packet.clean) {
    throw new ConnectRefusedError({ kind: 'client_id' }, 'empty client id with a persistent session');
  }
  ctx.clientId = `auto-${randomUUID()}`;
  ctx.connection.clientId = ctx.clientId;
  if (ctx.connection.version === 5) ctx.connack.assignedClientIdentifier = ctx.clientId;
}

function storeWill({ connection, packet, clientId }: ConnectContext): void {
  const will = packet.will;
  if (will === undefined) return;
  if (!isValidTopicName(will.topic)) throw new MalformedPacketError('invalid will topic'); // [MQTT-3.1.3-11]
  const responseTopic = will.properties?.responseTopic;
  if (responseTopic !== undefined && !isValidTopicName(responseTopic)) throw new ProtocolError('invalid will response topic'); // [MQTT-3.3.2-14]
  const maxLevels = connection.core.limits.maxTopicLevels;
  if (levelCount(will.topic) > maxLevels) throw new ProtocolError(`will topic of more than ${maxLevels} levels`, RC.topicNameInvalid);
  const payload = typeof will.payload === 'string' ? Buffer.from(will.payload) : will.payload;
  connection.will = {
    message: {
      topic: will.topic,
      payload,
      qos: will.qos ?? 0,
      retain: will.retain ?? false,
      properties: forwardedProperties(will.properties),
      origin: clientId,
    },
    delaySeconds: will.properties?.willDelayInterval ?? 0,
    expirySeconds: will.properties?.messageExpiryInterval,
  };
}

/** Who the client is and what it may do, from the authorizer; no answer in time is "server unavailable" (fail closed). */
async function authenticate(ctx: ConnectContext): Promise<void> {
  const { connection, packet } = ctx;
  connection.username = packet.username;
  connection.password = packet.password?.toString('utf8');
  const request = connection.authenticateRequest();
  const epoch = connection.core.changeEpoch;
  let outcome = await authenticateNow(connection.core, request);
  // The recheck skips a client not yet connected: ask once more, so a revocation racing a CONNECT still wins.
  if (connection.core.changeEpoch !== epoch) outcome = await authenticateNow(connection.core, request);
  if (outcome.allow === 'unavailable') {
    throw new ConnectRefusedError({ kind: 'unavailable' }, `authorizer unavailable: ${String(outcome.error)}`);
  }
  if (!outcome.allow) throw new ConnectRefusedError({ kind: 'deny', reason: outcome.reason }, outcome.reason);
  if (isStale(outcome, Date.now())) throw new ConnectRefusedError({ kind: 'deny', reason: 'expired' }, 'expired');
  ctx.auth = outcome;
  connection.auth = outcome;
  connection.credentialExpiresAt = outcome.expiresAt === null ? 0 : outcome.expiresAt * 1000;
}

/** The pending slot becomes an authenticated one (`listeners/gate.ts`); at the cap: 0x89 busy (3.1.1: 0x03). */
function takeSlot({ connection }: ConnectContext): void {
  const ticket = connection.info.admission;
  if (ticket !== undefined && !ticket.promote()) throw new ConnectRefusedError({ kind: 'busy' }, 'connection limit reached');
}

/** As Mosquitto's `max_keepalive`, so a silent client cannot stay for good; told to 5.0 [MQTT-3.2.2-21], silent in 3.1.1. */
function setKeepAlive({ connection, packet, connack }: ConnectContext): void {
  const { minKeepAlive, maxKeepAlive } = connection.core.limits;
  const requested = packet.keepalive ?? 0;
  let keepAlive = maxKeepAlive === 0 ? requested : Math.min(Math.max(requested === 0 ? maxKeepAlive : requested, minKeepAlive), maxKeepAlive);
  if (connection.version === 5) {
    keepAlive = connection.core.serverKeepAlive ?? keepAlive;
    if (keepAlive !== requested) connack.serverKeepAlive = keepAlive;
  }
  connection.keepAliveMs = keepAlive * 1000;
}

/** A session belongs to the identity that created it, not its client id; a stored one is discarded only when that identity is gone. */
function checkSessionOwner({ connection, clientId, auth }: ConnectContext): void | Promise<void> {
  const core = connection.core;
  const existing = core.sessions.get(clientId);
  // An expired session the timer wheel has not ended yet belongs to no one any more.
  if (existing === undefined || existing.owner === identityOf(auth!) || !settleSession(core, existing, Date.now())) return;
  if (existing.connection === null) return discardIfOwnerRemoved(connection, clientId, auth!, existing);
  refuseSessionOfAnother(connection, clientId, auth!, existing);
}

/** Only a stored session's owner can be gone: the authorizer is asked, the one wait of this step. */
async function discardIfOwnerRemoved(connection: Connection, clientId: string, auth: AuthenticateAllow, existing: Session): Promise<void> {
  const core = connection.core;
  const owner = await rightsNow(core, existing.identity);
  if (owner.allow === false && owner.reason === 'unknown_device' && core.sessions.get(clientId) === existing && existing.connection === null) {
    core.logger.warn({ clientId, identity: identityOf(auth), sessionIdentity: existing.owner, reason: 'unknown_device' }, 'stored session of a removed identity discarded');
    return discardSession(core, existing);
  }
  refuseSessionOfAnother(connection, clientId, auth, existing);
}

function refuseSessionOfAnother(connection: Connection, clientId: string, auth: AuthenticateAllow, existing: Session): never {
  connection.core.logger.warn(
    { clientId, identity: identityOf(auth), sessionIdentity: existing.owner, peer: connection.info.peerAddress, reason: 'session_of_another_identity' },
    'client id belongs to a session of another identity',
  );
  connection.core.refused(connection, { clientId, deviceId: auth.deviceId, action: 'connect', topic: null, reason: 'clientid_mismatch', message: 'the client id holds a stored session of another identity' });
  throw new ConnectRefusedError({ kind: 'deny', reason: 'clientid_mismatch' }, 'client id in use by another identity');
}

/** A second connection with the same client id replaces the first [MQTT-3.1.4-3] (5.0: DISCONNECT 0x8E). */
function takeOver({ connection, clientId }: ConnectContext): void {
  const existing = connection.core.sessions.get(clientId);
  const previous = existing?.connection;
  if (existing === undefined || previous == null) return;
  existing.connection = null;
  previous.disconnect(RC.sessionTakenOver, 'session taken over');
}

/**
 * Clean Start discards [MQTT-3.1.2-4], else resume [MQTT-3.2.2-3]. Expiry 0 ended with its connection
 * [MQTT-3.1.2-6] [MQTT-3.2.2-2]; a waiting will is deleted [MQTT-3.1.2-8].
 */
function openSession(ctx: ConnectContext): void {
  const { connection, packet, clientId } = ctx;
  const core = connection.core;
  let session = core.sessions.get(clientId);
  if (session !== undefined && !settleSession(core, session, Date.now())) session = undefined;
  if (session !== undefined && (packet.clean || session.expiryInterval === 0)) {
    discardSession(core, session);
    session = undefined;
  }
  ctx.sessionPresent = session !== undefined; // [MQTT-3.2.2-1] [MQTT-3.2.2-2]
  const auth = ctx.auth!;
  const identity = identityRequest(connection, auth);
  if (session === undefined) {
    session = new Session(clientId, identityOf(auth), identity, auth);
    core.sessions.set(clientId, session);
  } else {
    wakeSession(core, session);
    session.identity = identity;
  }
  const max = core.limits.maxSessionExpiry;
  if (connection.version === 5) {
    const requested = packet.properties?.sessionExpiryInterval ?? 0;
    session.expiryInterval = Math.min(requested, max);
    if (requested > max) ctx.connack.sessionExpiryInterval = max;
  } else {
    session.expiryInterval = packet.clean ? 0 : max;
  }
  session.connection = connection;
  connection.session = session;
  ctx.session = session;
  saveSession(core, session);
}

/** The client's own limits on what we send it (5.0). */
function applyClientLimits({ connection, packet }: ConnectContext): void {
  const props = packet.properties;
  if (props === undefined) return;
  if (props.receiveMaximum !== undefined) connection.clientReceiveMaximum = props.receiveMaximum;
  if (props.topicAliasMaximum) connection.outgoingAliases = new OutgoingAliases(props.topicAliasMaximum);
}

/** MQTT cannot end a subscription from the server: 5.0 is told in the CONNACK, when it fits [MQTT-3.2.2-19]. */
const REVOKED = 'revoked-subscription';
/** More than a CONNACK with every other property we send takes. */
const CONNACK_BASE_BYTES = 128;

function recheckResumedSession(ctx: ConnectContext): void {
  const { connection, session, clientId, connack } = ctx;
  if (!ctx.sessionPresent) return;
  const { dropped, discarded } = applyRights(connection.core, session!, ctx.auth!);
  if (dropped.length > 0 || discarded > 0) {
    connection.core.logger.warn({ clientId, deviceId: ctx.auth!.deviceId, dropped, discarded, reason: 'acl_denied' }, 'resumed session held to current rights');
  }
  // With those a registry change dropped while the client was away.
  if (session!.revoked !== null) dropped.unshift(...session!.revoked);
  session!.revoked = null;
  if (connection.version !== 5 || dropped.length === 0) return;
  const reasonString = `${dropped.length} subscription(s) no longer authorized were removed`;
  // Encoded: identifier, then length-prefixed strings; each User Property repeats its key.
  let size = CONNACK_BASE_BYTES + 3 + Buffer.byteLength(reasonString);
  for (const filter of dropped) size += 1 + 2 + REVOKED.length + 2 + Buffer.byteLength(filter);
  if (connection.clientMaxPacketSize !== 0 && size > connection.clientMaxPacketSize) return;
  connack.reasonString = reasonString;
  connack.userProperties = { [REVOKED]: dropped };
}

function sendConnack(ctx: ConnectContext): void {
  const { connection, connack } = ctx;
  const limits = connection.core.limits;
  connection.state = 'connected';
  if (connection.version === 5) {
    connack.receiveMaximum = limits.receiveMaximum;
    connack.maximumPacketSize = limits.maxPacketSize;
    if (limits.topicAliasMaximum > 0) connack.topicAliasMaximum = limits.topicAliasMaximum;
  }
  connection.send({
    cmd: 'connack',
    // The 3.1 CONNACK has a reserved byte where 3.1.1 put Session Present.
    sessionPresent: ctx.sessionPresent && connection.version !== 3,
    returnCode: 0,
    reasonCode: 0,
    properties: connection.version === 5 ? connack : undefined,
  });
  if ((connection.state as ConnectionState) === 'closed') return; // the CONNACK did not fit the client's Maximum Packet Size
  const { logger, authorizer } = connection.core;
  // One info line per connect: the authorizer's allow, when it logs one, already names the client, peer and device.
  const fields = { clientId: ctx.clientId, deviceId: ctx.auth?.deviceId ?? null, peer: connection.info.peerAddress, protocol: connection.version };
  if (authorizer.logsAllows === true) logger.debug(fields, 'client connected');
  else logger.info(fields, 'client connected');
}

/** Resend what was in flight, then what was queued while the client was away [MQTT-4.4.0-1]. */
function resumeDelivery({ connection, session }: ConnectContext): void {
  resume(connection.core, session!);
}
