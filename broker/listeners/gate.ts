/**
 * Admission control shared by every listener: a connection is admitted only while the broker is under
 * its connection cap and both the per-address and the global connect rates allow it. A refused socket
 * is destroyed at once (no CONNACK: the client has not spoken yet), and the refusal is counted.
 *
 * @module broker/listeners/gate
 */
import { KeyedTokenBuckets, TokenBucket } from './token-bucket.js';

export type RefusalReason = 'max_connections' | 'rate_address' | 'rate_global';

export interface GateLimits {
  maxConnections: number;
  /** Connections per second per peer address. */
  connectRate: number;
  /** Connections per second over all addresses. */
  connectRateGlobal: number;
}

export interface Gate {
  /**
   * Admits a connection (null) or names why it is refused. Every admission must be paired with one
   * `release()` when the connection closes.
   */
  admit(peerAddress: string): RefusalReason | null;
  release(): void;
  /** Currently admitted connections. */
  readonly open: number;
  readonly refused: Readonly<Record<RefusalReason, number>>;
}

export function createGate(limits: GateLimits, now: () => number = Date.now): Gate {
  const perAddress = new KeyedTokenBuckets(limits.connectRate, now);
  const global = new TokenBucket(limits.connectRateGlobal, now);
  const refused: Record<RefusalReason, number> = { max_connections: 0, rate_address: 0, rate_global: 0 };
  let open = 0;

  function refuse(reason: RefusalReason): RefusalReason {
    refused[reason] += 1;
    return reason;
  }

  return {
    admit(peerAddress) {
      if (open >= limits.maxConnections) return refuse('max_connections');
      // The address bucket is asked first so one noisy address cannot drain the global bucket.
      if (!perAddress.take(peerAddress)) return refuse('rate_address');
      if (!global.take()) return refuse('rate_global');
      open += 1;
      return null;
    },
    release() {
      if (open > 0) open -= 1;
    },
    get open() {
      return open;
    },
    refused,
  };
}
