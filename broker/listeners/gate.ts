// Sockets are pending until their CONNECT is accepted, with caps of their own (the oldest closed when all
// are taken, as a SYN cache does) and one swept deadline, so silent sockets cannot lock out real clients.
import { KeyedTokenBuckets, TokenBucket } from './token-bucket.js';

export type RefusalReason = 'max_connections' | 'pending_address' | 'rate_address' | 'rate_global';
export type ExpulsionReason = 'connect_timeout' | 'pending_evicted';

export interface GateLimits {
  /** Authenticated connections (past CONNACK). */
  maxConnections: number;
  /** Connections per second per peer address. */
  connectRate: number;
  /** Connections per second over all addresses. */
  connectRateGlobal: number;
  /** Sockets not yet authenticated, over all addresses; the oldest is closed to make room. */
  maxPending?: number;
  /** Sockets not yet authenticated from one address; more are refused. */
  maxPendingPerAddress?: number;
  /** A socket not authenticated this long after it was accepted is closed, ms. */
  connectTimeoutMs?: number;
}

export const DEFAULT_PENDING_LIMITS = { maxPending: 1000, maxPendingPerAddress: 100, connectTimeoutMs: 10_000 } as const;

export interface Closable {
  destroy(): void;
}

export interface Ticket {
  /** The address the socket is accounted to (the device's, when a trusted balancer named it). */
  readonly peer: string;
  /** Leaves the pending pool; false (nothing changes) when authenticated clients are at their cap. */
  promote(): boolean;
  /** The socket closed: frees its slot. Idempotent. */
  release(): void;
}

export interface Gate {
  /** A ticket for the socket, or why it is refused (the caller destroys it). */
  admit(peerAddress: string, socket: Closable): Ticket | RefusalReason;
  /** Sockets admitted and not released, pending or authenticated. */
  readonly open: number;
  readonly pending: number;
  readonly authenticated: number;
  readonly refused: Readonly<Record<RefusalReason, number>>;
  readonly expelled: Readonly<Record<ExpulsionReason, number>>;
}

type State = 'pending' | 'authenticated' | 'released';

class GateTicket implements Ticket {
  state: State = 'pending';
  constructor(
    private readonly gate: GateImpl,
    readonly peer: string,
    readonly since: number,
    readonly socket: Closable,
  ) {}

  promote(): boolean {
    return this.gate.promote(this);
  }

  release(): void {
    this.gate.release(this);
  }
}

class GateImpl implements Gate {
  readonly refused: Record<RefusalReason, number> = { max_connections: 0, pending_address: 0, rate_address: 0, rate_global: 0 };
  readonly expelled: Record<ExpulsionReason, number> = { connect_timeout: 0, pending_evicted: 0 };
  authenticated = 0;
  /** In admission order, so the oldest is first (the sweep and eviction read from the front). */
  private readonly pendingTickets = new Set<GateTicket>();
  private readonly pendingByAddress = new Map<string, number>();
  private readonly perAddress: KeyedTokenBuckets;
  private readonly global: TokenBucket;
  private readonly maxPending: number;
  private readonly maxPendingPerAddress: number;
  private readonly connectTimeoutMs: number;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly limits: GateLimits,
    private readonly now: () => number,
  ) {
    this.perAddress = new KeyedTokenBuckets(limits.connectRate, now);
    this.global = new TokenBucket(limits.connectRateGlobal, now);
    this.maxPending = limits.maxPending ?? DEFAULT_PENDING_LIMITS.maxPending;
    this.maxPendingPerAddress = limits.maxPendingPerAddress ?? DEFAULT_PENDING_LIMITS.maxPendingPerAddress;
    this.connectTimeoutMs = limits.connectTimeoutMs ?? DEFAULT_PENDING_LIMITS.connectTimeoutMs;
  }

  get pending(): number {
    return this.pendingTickets.size;
  }

  get open(): number {
    return this.pendingTickets.size + this.authenticated;
  }

  admit(peer: string, socket: Closable): Ticket | RefusalReason {
    if (this.authenticated >= this.limits.maxConnections) return this.refuse('max_connections');
    if ((this.pendingByAddress.get(peer) ?? 0) >= this.maxPendingPerAddress) return this.refuse('pending_address');
    // The address bucket is asked first so one noisy address cannot drain the global bucket.
    if (!this.perAddress.take(peer)) return this.refuse('rate_address');
    if (!this.global.take()) return this.refuse('rate_global');
    this.sweep(this.now());
    if (this.pendingTickets.size >= this.maxPending) this.expel(this.pendingTickets.values().next().value!, 'pending_evicted');
    const ticket = new GateTicket(this, peer, this.now(), socket);
    this.pendingTickets.add(ticket);
    this.pendingByAddress.set(peer, (this.pendingByAddress.get(peer) ?? 0) + 1);
    this.sweeper ??= setInterval(() => this.sweep(this.now()), Math.max(20, Math.min(1000, this.connectTimeoutMs / 4))).unref();
    return ticket;
  }

  promote(ticket: GateTicket): boolean {
    if (ticket.state !== 'pending') return ticket.state === 'authenticated';
    if (this.authenticated >= this.limits.maxConnections) return false;
    this.leavePending(ticket);
    ticket.state = 'authenticated';
    this.authenticated += 1;
    return true;
  }

  release(ticket: GateTicket): void {
    if (ticket.state === 'pending') this.leavePending(ticket);
    else if (ticket.state === 'authenticated') this.authenticated -= 1;
    ticket.state = 'released';
  }

  private refuse(reason: RefusalReason): RefusalReason {
    this.refused[reason] += 1;
    return reason;
  }

  private sweep(now: number): void {
    for (const ticket of this.pendingTickets) {
      if (now - ticket.since < this.connectTimeoutMs) break;
      this.expel(ticket, 'connect_timeout');
    }
    if (this.pendingTickets.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private expel(ticket: GateTicket, reason: ExpulsionReason): void {
    this.release(ticket);
    this.expelled[reason] += 1;
    ticket.socket.destroy();
  }

  private leavePending(ticket: GateTicket): void {
    this.pendingTickets.delete(ticket);
    const left = (this.pendingByAddress.get(ticket.peer) ?? 1) - 1;
    if (left > 0) this.pendingByAddress.set(ticket.peer, left);
    else this.pendingByAddress.delete(ticket.peer);
  }
}

export function createGate(limits: GateLimits, now: () => number = Date.now): Gate {
  return new GateImpl(limits, now);
}
