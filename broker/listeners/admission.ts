/**
 * The accept step every listener runs on a raw socket, before any TLS or WebSocket handshake work:
 * ask the gate, destroy refused sockets at once, track admitted ones so `close()` can end them.
 *
 * @module broker/listeners/admission
 */
import type { Server, Socket } from 'node:net';
import type { ListenOptions, Transport } from './types.js';

export interface Admission {
  /** Runs the gate on a new raw socket; returns false (socket already destroyed) when refused. */
  admit(socket: Socket): boolean;
  /** Also ends this socket on close (a TLS socket wraps an admitted raw socket). */
  track(socket: Socket): void;
  /** Stops the server accepting, destroys every admitted socket still open, waits for the close. */
  close(server: Server): Promise<void>;
}

/**
 * The per-socket handlers are shared functions (`this` is the socket), not closures: an idle
 * connection should cost the broker as few bytes as possible.
 */
export function createAdmission(options: ListenOptions, transport: Transport): Admission {
  const sockets = new Set<Socket>();
  const { gate, logger } = options;

  // A socket reset mid-handshake is routine on the internet; it must never reach `uncaughtException`.
  function onError(this: Socket, err: Error) {
    logger.debug({ err, transport, peer: this.remoteAddress }, 'socket error');
  }
  function forget(this: Socket) {
    sockets.delete(this);
  }
  function forgetAndRelease(this: Socket) {
    sockets.delete(this);
    gate.release();
  }

  return {
    track(socket) {
      sockets.add(socket);
      socket.on('close', forget);
    },
    admit(socket) {
      socket.on('error', onError);
      const peer = socket.remoteAddress ?? 'unknown';
      const refusal = gate.admit(peer);
      if (refusal) {
        socket.destroy();
        options.events?.onRefused?.(transport, refusal);
        logger.debug({ transport, peer, reason: refusal }, 'connection refused');
        return false;
      }
      sockets.add(socket);
      socket.on('close', forgetAndRelease);
      options.events?.onAccepted?.(transport);
      return true;
    },
    close(server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/** Binds `server` on host:port and resolves with the port actually bound. */
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
