/**
 * A TCP proxy in front of a real service whose health the test controls: `up` forwards, `down`
 * drops every connection (new and open ones, as a crashed peer would), `slow` holds new connections
 * for `delayMs` before forwarding (a verifier stuck behind a long GC or a locked disk).
 *
 * @module reliability/fault-proxy
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export type ProxyMode = 'up' | 'down' | { slowMs: number };

export interface FaultProxy {
  port: number;
  url: string;
  set(mode: ProxyMode): void;
}

export async function faultProxy(t: TestContext, targetPort: number): Promise<FaultProxy> {
  let mode: ProxyMode = 'up';
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const forward = (client: Socket) => {
    if (client.destroyed) return;
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    client.pipe(upstream).pipe(client);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (mode === 'down') return void client.destroy();
    if (mode === 'up') return forward(client);
    client.pause();
    setTimeout(() => {
      client.resume();
      forward(client);
    }, mode.slowMs).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy not listening');
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    set(next) {
      mode = next;
      if (next === 'down') for (const socket of open) socket.destroy();
    },
  };
}
