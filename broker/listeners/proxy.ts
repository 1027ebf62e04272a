// Only configured balancers; the header is read first, then the socket goes to the listener's server with
// the rest put back, so the gate, the lockout and the logs see the device's own address.
import { createServer, type Server, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { addressList, listHolds } from '../../rules/index.js';
import { parseProxyHeader } from './proxy-header.js';
import type { ListenOptions, ProxyOptions, Transport } from './types.js';

/** Sockets of one listener still waiting for their header; more are refused at once. */
const MAX_AWAITING_HEADER = 1000;

/** The device address the header named, by socket; absent: the socket's own peer is the device. */
const proxiedPeers = new WeakMap<Socket, string>();

export function peerAddressOf(socket: Socket): string {
  return proxiedPeers.get(socket) ?? socket.remoteAddress ?? 'unknown';
}

export interface ProxyFront {
  /** The server to bind in place of the listener's own. */
  server: Server;
  abort(): void;
}

/** `inner` is not bound itself: each socket reaches it as a `connection` once its header is read. */
export function proxyFront(inner: Server, proxy: ProxyOptions, options: ListenOptions, transport: Transport): ProxyFront {
  const trusted = addressList(proxy.trusted);
  const awaiting = new Set<Socket>();
  const { logger } = options;

  function refuse(socket: Socket, reason: string): void {
    logger.debug({ transport, peer: socket.remoteAddress, reason }, 'PROXY protocol: connection refused');
    socket.destroy();
  }

  function onError(this: Socket, err: Error): void {
    logger.debug({ err, transport, peer: this.remoteAddress }, 'socket error');
  }

  function readHeader(socket: Socket): void {
    let received: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => done('no complete PROXY header in time'), proxy.timeoutMs);
    function done(refusal?: string): void {
      clearTimeout(timer);
      awaiting.delete(socket);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (refusal !== undefined) refuse(socket, refusal);
    }
    function onClose(): void {
      done();
    }
    function onData(chunk: Buffer): void {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const header = parseProxyHeader(received);
      if (header.state === 'incomplete') return;
      if (header.state === 'malformed') return done(header.reason);
      done();
      socket.off('error', onError); // the listener's admission takes over
      // Paused, so the stream stops reading: a TLS server reads the socket's handle itself (taking
      // what was put back first). Anything else reads the stream and is let go on again.
      socket.pause();
      if (received.length > header.length) socket.unshift(received.subarray(header.length));
      if (header.source) proxiedPeers.set(socket, header.source.address);
      inner.emit('connection', socket);
      if (!(inner instanceof TlsServer) && !socket.destroyed) socket.resume();
    }
    socket.on('data', onData);
    socket.on('close', onClose);
  }

  const server = createServer((socket) => {
    socket.on('error', onError);
    if (!listHolds(trusted, socket.remoteAddress)) return refuse(socket, 'not a trusted balancer address (ARRA_PROXY_TRUSTED)');
    if (awaiting.size >= MAX_AWAITING_HEADER) return refuse(socket, 'too many connections waiting for their PROXY header');
    awaiting.add(socket);
    readHeader(socket);
  });
  return {
    server,
    abort() {
      for (const socket of awaiting) socket.destroy();
    },
  };
}
