// Every listener's accept step, before any handshake; the broker promotes the ticket on an accepted CONNECT.
import type { Server, Socket } from 'node:net';
import type { Ticket } from './gate.js';
import { peerAddressOf, proxyFront } from './proxy.js';
import type { ListenOptions, Transport } from './types.js';

export interface Admission {
  /** null: refused (the socket is already destroyed). */
  admit(socket: Socket): Ticket | null;
  /** By the socket, or for a TLS socket by the raw one it wraps (peer address and port, taken once). */
  ticketFor(socket: Socket): Ticket | undefined;
  /** Also ends this socket on close (a TLS socket wraps an admitted raw socket). */
  track(socket: Socket): void;
  close(server: Server): Promise<void>;
}

/** Shared handlers (`this` is the socket), not closures: idle connections stay small. */
const TICKET = Symbol('arra.ticket');
type Admitted = Socket & { [TICKET]?: Ticket };

const peerKey = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

export function createAdmission(options: ListenOptions, transport: Transport, wrapsSockets = false): Admission {
  const sockets = new Set<Socket>();
  /** Raw sockets still in their TLS handshake, by peer (only for listeners that wrap them). */
  const handshaking = new Map<string, Ticket>();
  const { gate, logger } = options;

  // A socket reset mid-handshake is routine on the internet; it must never reach `uncaughtException`.
  function onError(this: Socket, err: Error) {
    logger.debug({ err, transport, peer: this.remoteAddress }, 'socket error');
  }
  function forget(this: Socket) {
    sockets.delete(this);
  }
  function forgetAndRelease(this: Admitted) {
    sockets.delete(this);
    this[TICKET]?.release();
    if (wrapsSockets) handshaking.delete(peerKey(this));
  }

  return {
    track(socket) {
      sockets.add(socket);
      socket.on('close', forget);
    },
    admit(socket) {
      socket.on('error', onError);
      const peer = peerAddressOf(socket);
      const ticket = gate.admit(peer, socket);
      if (typeof ticket === 'string') {
        socket.destroy();
        options.events?.onRefused?.(transport, ticket);
        logger.debug({ transport, peer, reason: ticket }, 'connection refused');
        return null;
      }
      (socket as Admitted)[TICKET] = ticket;
      if (wrapsSockets) handshaking.set(peerKey(socket), ticket);
      sockets.add(socket);
      socket.on('close', forgetAndRelease);
      options.events?.onAccepted?.(transport);
      return ticket;
    },
    ticketFor(socket) {
      const own = (socket as Admitted)[TICKET];
      if (own !== undefined || !wrapsSockets) return own;
      const key = peerKey(socket);
      const ticket = handshaking.get(key);
      handshaking.delete(key);
      return ticket;
    },
    close(server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

export async function bindListener(server: Server, options: ListenOptions, transport: Transport, admission: Admission) {
  const front = options.proxy ? proxyFront(server, options.proxy, options, transport) : undefined;
  const bound = front?.server ?? server;
  const port = await bind(bound, options.host, options.port);
  return {
    port,
    close() {
      front?.abort();
      return admission.close(bound);
    },
  };
}

export function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
