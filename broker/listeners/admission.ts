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

/** A socket reset mid-handshake is routine on the internet; it must never reach `uncaughtException`. */
function guardErrors(socket: Socket, options: ListenOptions, transport: Transport): void {
  socket.on('error', (err) => {
    options.logger.debug({ err, transport, peer: socket.remoteAddress }, 'socket error');
  });
}

export function createAdmission(options: ListenOptions, transport: Transport): Admission {
  const sockets = new Set<Socket>();
  function track(socket: Socket) {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  }
  return {
    track,
    admit(socket) {
      guardErrors(socket, options, transport);
      const peer = socket.remoteAddress ?? 'unknown';
      const verdict = options.gate.admit(peer);
      if (!verdict.admitted) {
        socket.destroy();
        options.events?.onRefused?.(transport, verdict.reason);
        options.logger.debug({ transport, peer, reason: verdict.reason }, 'connection refused');
        return false;
      }
      track(socket);
      socket.once('close', () => verdict.release());
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
