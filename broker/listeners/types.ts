import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Gate, RefusalReason, Ticket } from './gate.js';

export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

export interface ConnectionInfo {
  peerAddress: string;
  /** SHA-256 of a client certificate the TLS listener verified: 64 lowercase hex digits. */
  certFingerprint?: string;
  transport: Transport;
  /** Promoted by the broker when the CONNECT is accepted; absent for streams other code hands in. */
  admission?: Ticket;
}

export interface ConnectionHandler {
  handle(stream: Duplex, info: ConnectionInfo): void;
}

export interface ListenerEvents {
  onAccepted?(transport: Transport): void;
  onRefused?(transport: Transport, reason: RefusalReason): void;
}

export interface ProxyOptions {
  /** Balancer addresses and CIDRs allowed to send the header (all others are refused). */
  trusted: readonly string[];
  /** How long a balancer has to send the whole header, ms. */
  timeoutMs: number;
}

export interface ListenOptions {
  host: string;
  /** 0 = an ephemeral port (tests). */
  port: number;
  handler: ConnectionHandler;
  gate: Gate;
  logger: Logger;
  events?: ListenerEvents;
  /** Set: this listener takes connections only from these balancers, each starting with a PROXY header. */
  proxy?: ProxyOptions;
}

export interface Listener {
  readonly transport: Transport;
  readonly port: number;
  close(): Promise<void>;
}
