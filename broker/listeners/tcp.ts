import { createServer } from 'node:net';
import { bindListener, createAdmission } from './admission.js';
import type { Listener, ListenOptions } from './types.js';

export async function listenTcp(options: ListenOptions): Promise<Listener> {
  const admission = createAdmission(options, 'tcp');
  const server = createServer((socket) => {
    const ticket = admission.admit(socket);
    if (ticket === null) return;
    // MQTT packets are small and latency-bound: never wait for Nagle to coalesce them.
    socket.setNoDelay(true);
    options.handler.handle(socket, { peerAddress: ticket.peer, transport: 'tcp', admission: ticket });
  });
  const { port, close } = await bindListener(server, options, 'tcp', admission);
  return { transport: 'tcp', port, close };
}
