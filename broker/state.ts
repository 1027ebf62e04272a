// The shared state and the shapes the layers above work on; it imports only data structures, so nothing
// here can close an import cycle.
import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import pino from 'pino';
import type { BrokerRefusal, AuthenticateAllow, AuthenticateRequest, CompiledAcl, RightsRequest } from '../schemas/index.js';
import { LogLimiter } from '../logging/log-limiter.js';
import type { Authorizer } from './authorizer.js';
import type { ProtocolVersion } from './codec.js';
import type { ConnectionInfo } from './listeners/types.js';
import { resolveLimits, type BrokerLimits } from './limits.js';
import type { OutgoingAliases } from './outgoing.js';
import type { Message } from './routing/message.js';
import { MemoryStore, type BrokerStore } from './persistence/index.js';
import { RetainedStore } from './routing/retained.js';
import { TopicTree, subscriptionBytes } from './routing/topic-tree.js';
import type { Writer } from './writer.js';
import { DueQueue } from './due-queue.js';

export interface BrokerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BrokerOptions {
  authorizer: Authorizer;
  logger?: BrokerLogger;
  limits?: Partial<BrokerLimits>;
  /** Keep alive imposed on 5.0 clients, seconds [MQTT-3.2.2-21]; 3.1.1 clients cannot be told. */
  serverKeepAlive?: number;
  /** Where sessions and retained messages are kept across restarts; none (memory) by default. Closed with the broker. */
  store?: BrokerStore;
}

export class BrokerState {
  readonly limits: BrokerLimits;
  readonly logger: BrokerLogger;
  readonly authorizer: Authorizer;
  readonly serverKeepAlive: number | undefined;
  readonly sessions = new Map<string, Session>();
  readonly connections = new Set<Connection>();
  /** Disconnected sessions waiting for a delayed will or their expiry. */
  readonly dormant = new Set<Session>();
  readonly tree = new TopicTree<Subscription>();
  readonly retained: RetainedStore;
  readonly store: BrokerStore;
  readonly counters = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, droppedMessages: 0, refusedConnects: 0, deniedPublishes: 0, refusedSubscriptions: 0 };
  /** Refusal warnings, a few per client and reason per window; the counters stay exact. */
  readonly refusalLog: LogLimiter;
  /** Bytes all sessions hold for delivery (see `session/outbox`). */
  heldBytes = 0;
  closing = false;
  /** Counts registry changes, so a CONNECT decided across one can ask again (see handlers/connect.ts). */
  changeEpoch = 0;
  /** Questions to the authorizer, answered "unavailable" after `limits.authTimeoutMs` (see session/ask-authorizer.ts). */
  readonly authWaits: DueQueue<(undecided: { allow: 'unavailable'; error: unknown }) => void>;
  /** Streams we ended, destroyed if the peer has not closed its side a second later. */
  readonly lingering = new DueQueue<Duplex>(1000, (stream) => stream.destroy(), { unref: true });

  constructor(options: BrokerOptions) {
    this.limits = resolveLimits(options.limits);
    this.authWaits = new DueQueue(this.limits.authTimeoutMs, (settle) => settle({ allow: 'unavailable', error: new Error('authorizer timed out') }));
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.authorizer = options.authorizer;
    this.serverKeepAlive = options.serverKeepAlive;
    this.store = options.store ?? new MemoryStore();
    this.retained = new RetainedStore(this.limits, (message) => {
      if (!message.topic.startsWith('$SYS/')) this.store.deleteRetained(message.topic);
    });
    this.refusalLog = new LogLimiter((fields, message) => this.logger.warn(fields, message));
  }

  /** A request the broker refused itself: the authorizer keeps it among the verifier's recent decisions. */
  refused(connection: Connection, refusal: Pick<BrokerRefusal, 'action' | 'topic' | 'reason' | 'message'> & Partial<Pick<BrokerRefusal, 'clientId' | 'deviceId'>>): void {
    this.recordRefusal({ clientId: connection.clientId, deviceId: connection.auth?.deviceId ?? null, peerAddress: connection.info.peerAddress, ...refusal });
  }

  /** `refused` for what outlives its connection (a will). */
  recordRefusal(refusal: BrokerRefusal): void {
    try {
      this.authorizer.refused?.(refusal);
    } catch (err) {
      this.logger.error({ err }, 'the authorizer failed to take a refusal');
    }
  }

  logRefusal(clientId: string, fields: { reason: string } & Record<string, unknown>, message: string): void {
    this.refusalLog.log(clientId, fields, message);
  }
}

/** The message of a refusal by the broker's local ACL check (it enforces the ACL the verifier compiled). */
export const ACL_REFUSAL = 'the broker’s ACL check';

export type ConnectionState = 'new' | 'connecting' | 'connected' | 'closed';

/** The will as given in CONNECT; it becomes a `PendingWill` on the session when the connection dies. */
export interface ConnectWill {
  message: Message;
  delaySeconds: number;
  expirySeconds: number | undefined;
}

/** One client connection as the engine sees it; `connection.ts` implements it over a socket. */
export interface Connection {
  readonly core: BrokerState;
  readonly stream: Duplex;
  readonly info: ConnectionInfo;
  readonly writer: Writer;
  state: ConnectionState;
  version: ProtocolVersion;
  clientId: string;
  session: Session | null;
  keepAliveMs: number;
  /** Ms since epoch: until CONNECT, when the socket opened; then when the client last sent anything. */
  lastSeen: number;
  readonly openedAt: number;
  /** The allow decision of CONNECT (replaced by a recheck). */
  auth: AuthenticateAllow | null;
  /** CONNECT's secrets, kept while the connection lives, to re-authenticate on a registry change. */
  username: string | undefined;
  password: string | undefined;
  /** When the credential stops being valid (ms since epoch), 0 = never. */
  credentialExpiresAt: number;
  will: ConnectWill | null;
  /** Client→server topic aliases [MQTT-3.3.2-12]. */
  aliases: Map<number, string> | null;
  /** The client's Maximum Packet Size; 0 = no limit [MQTT-3.1.2-24]. */
  clientMaxPacketSize: number;
  clientReceiveMaximum: number;
  outgoingAliases: OutgoingAliases | null;
  /** Publish ACL verdicts by topic (see `handlers/publish`), dropped when the ACL changes. */
  aclCache: Map<string, number> | null;
  /** Reading paused because a subscriber this client publishes to cannot keep up. */
  throttled: boolean;
  authenticateRequest(): AuthenticateRequest;
  /** One over the client's Maximum Packet Size closes instead. */
  send(packet: Packet): void;
  /** False (dropped, counted) when over the client's Maximum Packet Size. */
  sendPublish(message: Message, qos: 0 | 1 | 2, retain: boolean, packetId: number, dup: boolean, subIds: number[] | undefined): boolean;
  disconnect(reasonCode: number, why: string): void;
  /** Ends the connection of a client that lost its rights: DISCONNECT 0x87, no will. */
  revoke(why: string): void;
  /** `clientDisconnected`: the client sent DISCONNECT, so it sends nothing more [MQTT-3.14.4-1]. */
  close(clientDisconnected?: boolean): void;
  /** Stops reading this client (flow control for QoS 1/2 towards a slow subscriber). */
  pauseReading(): void;
  resumeReading(): void;
  /** While CONNECT is decided, frames that arrive are held in order; released when it is accepted. */
  holdFrames(): void;
  releaseFrames(): void;
  fail(error: unknown): void;
}

export interface Rights {
  superuser: boolean;
  acl: CompiledAcl;
}

export interface Subscription {
  readonly session: Session;
  /** The filter as matched (for `$share/g/f`, just `f`). */
  readonly filter: string;
  readonly group?: string;
  qos: 0 | 1 | 2;
  /** No Local [MQTT-3.8.3-3]. */
  nl: boolean;
  /** Retain As Published [MQTT-3.3.1-12]. */
  rap: boolean;
  /** Retain Handling 0/1/2 [MQTT-3.3.1-9..11]. */
  rh: number;
  /** Subscription Identifier [MQTT-3.8.2-1]. */
  id?: number;
  /** A deny rule overlaps the filter: each delivery's topic is checked against the session's rights. */
  checkEach: boolean;
}

/** A QoS 1/2 message sent to the client and not yet fully acknowledged. */
export interface Outgoing {
  message: Message;
  qos: 1 | 2;
  retain: boolean;
  subIds: number[] | undefined;
  /** What it counts against the byte budgets (`messageBytes`). */
  bytes: number;
  /** `publish`: waiting for PUBACK/PUBREC; `pubrel`: PUBREL sent, waiting for PUBCOMP. */
  state: 'publish' | 'pubrel';
  /** Its key in the broker's store, when it is kept there (see `session/durable.ts`). */
  seq?: number;
}

/** A delivery waiting for an in-flight slot or for the client to come back. */
export interface Queued {
  message: Message;
  qos: 0 | 1 | 2;
  retain: boolean;
  subIds: number[] | undefined;
  bytes: number;
  seq?: number;
}

/** A will waiting for its delay [MQTT-3.1.3-9], with the identity whose rights of the moment decide it. */
export interface PendingWill {
  message: Message;
  /** The will's Message Expiry Interval, seconds, counted from its publication. */
  expirySeconds: number | undefined;
  publishAt: number;
  identity: RightsRequest;
  /** Its connection's address, for the record when the will is refused. */
  peerAddress: string;
}

/** What outlives a network connection [MQTT-4.1.0-1]; collections allocated on first use keep an idle one small. */
export class Session {
  connection: Connection | null = null;
  /** Keyed by the filter as the client sent it (including `$share/group/`). */
  subscriptions: Map<string, Subscription> | null = null;
  subscriptionBytes = 0;
  outgoing: Map<number, Outgoing> | null = null;
  queue: Queued[] | null = null;
  /** Bytes of the messages queued and in flight, counted against the byte budgets. */
  heldBytes = 0;
  /** QoS 2 packet ids received and acknowledged with PUBREC, not yet released [MQTT-4.3.3-9]. */
  incomingQos2: Set<number> | null = null;
  /** Kept in the broker's store (see `session/durable.ts`). */
  stored = false;
  /** Session Expiry Interval, seconds; 0xFFFFFFFF = never. */
  expiryInterval = 0;
  /** While disconnected: when the session ends (ms since epoch); null = never. */
  expiresAt: number | null = null;
  will: PendingWill | null = null;
  /** Subscriptions dropped while the client was away, told to it when it resumes (5.0 CONNACK). */
  revoked: string[] | null = null;
  /** Publishers paused because this session's queue is full; resumed when it drains. */
  blocked: Set<Connection> | null = null;
  /** When this session first paused a publisher since its queue was last drained (ms), 0 = not. */
  throttledSince = 0;
  /** Ends the running pause when the budget runs out (see `outbox.throttle`). */
  pauseTimer: NodeJS.Timeout | null = null;
  /** Pause time this session cost its publishers since `pauseWindowStart` (ms), the running pause excluded. */
  pausedMs = 0;
  pauseWindowStart = 0;
  /** Until when (ms) this session pauses no publisher, having held them too long (see `outbox.throttle`). */
  slowUntil = 0;
  private nextPacketId = 1;

  constructor(
    readonly clientId: string,
    readonly owner: string, // `identityOf` its creator; only it may resume the session
    public identity: RightsRequest, // asked about its rights while not connected (the latest CONNECT's)
    public rights: Rights, // what it may receive, as of its latest CONNECT, recheck or resume
  ) {}

  setSubscription(key: string, sub: Subscription): void {
    const subscriptions = (this.subscriptions ??= new Map());
    if (!subscriptions.has(key)) this.subscriptionBytes += subscriptionBytes(key);
    subscriptions.set(key, sub);
  }

  /** The caller removes it from the tree. */
  deleteSubscription(key: string): Subscription | undefined {
    const sub = this.subscriptions?.get(key);
    if (sub === undefined) return undefined;
    this.subscriptions!.delete(key);
    this.subscriptionBytes -= subscriptionBytes(key);
    return sub;
  }

  /** A packet id not in use by another in-flight message [MQTT-2.2.1-3], or 0 when all are taken. */
  allocatePacketId(): number {
    const outgoing = (this.outgoing ??= new Map());
    if (outgoing.size >= 65535) return 0;
    while (outgoing.has(this.nextPacketId)) this.nextPacketId = (this.nextPacketId % 65535) + 1;
    const id = this.nextPacketId;
    this.nextPacketId = (id % 65535) + 1;
    return id;
  }
}

/**
 * Whose byte budgets a client's messages count against: its device's registration, so a device that
 * changes client ids keeps one budget; anonymous clients cannot be told apart, so each client id.
 */
export function budgetOwnerOf(identity: Identity, clientId: string): string {
  return identity.deviceId === null ? `client:${clientId}` : identityOf(identity);
}

type Identity = Pick<AuthenticateAllow, 'deviceId'> & { incarnation?: string | null };

/** A session owner: one registration of a device (a device created again is someone else), or anonymous. */
export function identityOf(auth: Identity): string {
  return auth.deviceId === null ? 'anonymous' : `device:${auth.deviceId}#${auth.incarnation ?? ''}`;
}
