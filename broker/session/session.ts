/**
 * A session: what outlives a network connection [MQTT-4.1.0-1]: subscriptions, QoS 1/2 messages in
 * flight to the client, messages queued for it, and QoS 2 packet ids it has not released yet.
 * Collections are allocated on first use, so an idle session costs a few hundred bytes.
 *
 * @module broker/session/session
 */
import type { AuthenticateAllow, RightsRequest } from '../../schemas/index.js';
import type { Connection } from '../connection.js';
import type { Message } from '../routing/message.js';
import { subscriptionBytes, type Subscription } from '../routing/topic-tree.js';
import type { Rights } from './rights.js';

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
}

/** A delivery waiting for an in-flight slot or for the client to come back. */
export interface Queued {
  message: Message;
  qos: 0 | 1 | 2;
  retain: boolean;
  subIds: number[] | undefined;
  /** What it counts against the byte budgets (`messageBytes`). */
  bytes: number;
}

/** A will waiting for its delay [MQTT-3.1.3-9], with the identity whose rights of the moment decide it. */
export interface PendingWill {
  message: Message;
  /** The will's Message Expiry Interval, seconds, counted from its publication. */
  expirySeconds: number | undefined;
  publishAt: number;
  identity: RightsRequest;
}

export class Session {
  connection: Connection | null = null;
  /** Keyed by the filter as the client sent it (including `$share/group/`). */
  subscriptions: Map<string, Subscription> | null = null;
  /** `subscriptionBytes` of every filter in `subscriptions`. */
  subscriptionBytes = 0;
  outgoing: Map<number, Outgoing> | null = null;
  queue: Queued[] | null = null;
  /** Bytes of the messages queued and in flight (`messageBytes`), counted against the byte budgets. */
  heldBytes = 0;
  /** QoS 2 packet ids received and acknowledged with PUBREC, not yet released [MQTT-4.3.3-9]. */
  incomingQos2: Set<number> | null = null;
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
  /** Pause time this session cost its publishers since `pauseWindowStart` (ms), the running pause excluded. */
  pausedMs = 0;
  pauseWindowStart = 0;
  /** Until when (ms) this session pauses no publisher, having held them too long (see `outbox.throttle`). */
  slowUntil = 0;
  private nextPacketId = 1;

  /**
   * @param owner the identity that created the session (`identityOf`); only it may resume it.
   * @param identity who to ask about its rights while it is not connected (the latest CONNECT's).
   * @param rights what it may receive, as of its latest CONNECT, recheck or resume.
   */
  constructor(
    readonly clientId: string,
    readonly owner: string,
    public identity: RightsRequest,
    public rights: Rights,
  ) {}

  /** Records a subscription under the filter as the client sent it, replacing one with the same filter. */
  setSubscription(key: string, sub: Subscription): void {
    const subscriptions = (this.subscriptions ??= new Map());
    if (!subscriptions.has(key)) this.subscriptionBytes += subscriptionBytes(key);
    subscriptions.set(key, sub);
  }

  /** Forgets the subscription under this filter; returns it (the caller removes it from the tree). */
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
 * Who a CONNECT authenticated as, as a session owner: one registration of a device (its id and
 * incarnation, so a device removed and created again is someone else), or the anonymous identity.
 * Anonymous clients cannot be told apart, so they share one.
 */
export function identityOf(auth: AuthenticateAllow): string {
  return auth.deviceId === null ? 'anonymous' : `device:${auth.deviceId}#${auth.incarnation ?? ''}`;
}
