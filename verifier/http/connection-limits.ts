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

/**
 * `connectionsCheckingInterval` 1 s: Node's 30 s default lets a slow body live a minute past its deadline.
 * No socket timeout here: `limitConnections` sweeps for silent connections instead.
 */
export function serverTimeoutOptions(limits: HttpLimits) {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1000 },
  };
}

interface Traffic {
  bytes: number;
  since: number;
}

/**
 * Installs the global cap and the cap per address on `server` (a connection over either is closed at
 * once), and closes a connection without traffic either way for `socketTimeoutMs`.
 */
export function limitConnections(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
  const perAddress = new Map<string, number>();
  const traffic = new Map<Socket, Traffic>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const open = (perAddress.get(address) ?? 0) + 1;
    if (open > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    traffic.set(socket, { bytes: 0, since: performance.now() });
    socket.once('close', () => {
      traffic.delete(socket);
      const left = perAddress.get(address)! - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  closeSilentConnections(server, traffic, limits.socketTimeoutMs);
}

/**
 * A sweep rather than Node's socket timeout, which re-arms a timer on every read and write of every
 * request. Bytes still queued count as written once, so an answer nobody reads stays silent.
 */
function closeSilentConnections(server: Server, traffic: Map<Socket, Traffic>, idleMs: number): void {
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [socket, seen] of traffic) {
      const bytes = socket.bytesRead + socket.bytesWritten;
      if (bytes !== seen.bytes) {
        seen.bytes = bytes;
        seen.since = now;
      } else if (now - seen.since >= idleMs) {
        socket.destroy();
      }
    }
  }, Math.min(1000, Math.ceil(idleMs / 4)));
  sweep.unref();
  server.once('close', () => clearInterval(sweep));
}
