/** Deadlines Node enforces, and what it lacks: a cap per address, so one address cannot take every slot. */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpLimits {
  /** A request's headers must arrive within this (a silent connection is closed after it too); at most `requestTimeoutMs`. */
  headersTimeoutMs: number;
  /** A whole request, headers and body, must arrive within this; then 408 and close. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this between requests. */
  keepAliveTimeoutMs: number;
  /** A connection without any traffic either way for this long is closed (a response nobody reads). */
  socketTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

/** `connectionsCheckingInterval` 1 s: Node's 30 s default lets a slow body live a minute past its deadline. */
export function serverTimeoutOptions(limits: HttpLimits) {
  return {
    connectionTimeout: limits.socketTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1000 },
  };
}

/** Installs the global cap and the cap per address on `server`: a connection over either is closed at once. */
export function limitConnections(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const open = (perAddress.get(address) ?? 0) + 1;
    if (open > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    socket.once('close', () => {
      const left = perAddress.get(address)! - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
}
