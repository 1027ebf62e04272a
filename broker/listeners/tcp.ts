/**
 * Plain MQTT over TCP (port 1883 by default).
 *
 * @module broker/listeners/tcp
 */
import { createServer } from 'node:net';
import { bind, createAdmission } from './admission.js';
import type { Listener, ListenOptions } from './types.js';

export async function listenTcp(options: ListenOptions): Promise<Listener> {
  const admission = createAdmission(options, 'tcp');
  const server = createServer((socket) => {
    const ticket = admission.admit(socket);
    if (ticket === null) return;
    // MQTT packets are small and latency-bound: never wait for Nagle to coalesce them.
    socket.setNoDelay(true);
    options.handler.handle(socket, { peerAddress: socket.remoteAddress ?? 'unknown', transport: 'tcp', admission: ticket });
  });
  const port = await bind(server, options.host, options.port);
  return { transport: 'tcp', port, close: () => admission.close(server) };
}
