// Callers write as state changes; an implementation commits one event-loop turn's writes at once and runs
// `afterCommit` callbacks once stored, so an acknowledgement leaves only for what is kept. QoS 0 never reaches it.
import type { CompiledAcl, RightsRequest } from '../../schemas/index.js';
import type { Message } from '../routing/message.js';

/** `fsync`: on disk before acks leave (the WAL flushed with fdatasync); `os`: to the OS, survives kill -9, not a power cut. */
export type Durability = 'fsync' | 'os' | 'memory';

export interface StoredSubscription {
  /** The filter as the client sent it (including `$share/group/`). */
  key: string;
  qos: 0 | 1 | 2;
  nl: boolean;
  rap: boolean;
  rh: number;
  id?: number;
}

/**
 * Waiting for its delay (`publishAt` set), or the will of the connection holding the session (`publishAt`
 * null): after a crash, that connection ended when the broker last committed.
 */
export interface StoredWill {
  message: Message;
  expirySeconds: number | undefined;
  delaySeconds: number;
  publishAt: number | null;
  identity: RightsRequest;
  /** Where its connection came from (absent in stores written before it was kept). */
  peerAddress?: string;
}

export interface SessionRecord {
  clientId: string;
  /** `device:<id>#<incarnation>` or `anonymous` (see `identityOf` in `state.ts`). */
  owner: string;
  identity: RightsRequest;
  rights: { superuser: boolean; acl: CompiledAcl };
  expiryInterval: number;
  /** When the session ends (ms since epoch); null while connected or when it never expires. */
  expiresAt: number | null;
  will: StoredWill | null;
  subscriptions: StoredSubscription[];
  /** QoS 2 packet ids received and acknowledged with PUBREC, not yet released. */
  incomingQos2: number[];
  revoked: string[];
}

/** A QoS 1/2 message held for a session: queued (`packetId` null) or in flight. */
export interface DeliveryRecord {
  seq: number;
  clientId: string;
  message: Message;
  qos: 1 | 2;
  retain: boolean;
  subIds: number[] | undefined;
  packetId: number | null;
  state: 'publish' | 'pubrel';
}

export interface StoredState {
  sessions: SessionRecord[];
  /** In the order they were taken into custody. */
  deliveries: DeliveryRecord[];
  retained: Message[];
  /** When the last commit before this start was made (ms since epoch); null for a new store. */
  lastCommitAt: number | null;
}

export interface BrokerStore {
  readonly durability: Durability;
  /** Everything stored, expired messages left out; once, before any write. Deliveries of one stored message share one `Message`. */
  load(now: number): StoredState;
  saveRetained(message: Message): void;
  deleteRetained(topic: string): void;
  /** The snapshot is taken at commit, once per session and commit however often it changed. */
  saveSession(clientId: string, snapshot: () => SessionRecord): void;
  /** The session's record; its deliveries go one by one (`deleteDelivery`), as the session releases them. */
  deleteSession(clientId: string): void;
  /** A fresh key for `addDelivery`, increasing in custody order. */
  nextSeq(): number;
  addDelivery(record: DeliveryRecord): void;
  setDeliveryState(seq: number, packetId: number, state: 'publish' | 'pubrel'): void;
  /** `message` is the one the delivery was added with: its row goes with its last delivery. */
  deleteDelivery(seq: number, message: Message): void;
  /** Runs `then(true)` once every write made so far is stored, `then(false)` if that commit failed; at once when none waits. */
  afterCommit(then: (stored: boolean) => void): void;
  /** Commits what waits and closes the file. */
  close(): void;
}
