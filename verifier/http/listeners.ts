/** The admin API's own listener, and TLS off loopback; one app serves both, the admin routes 404 elsewhere. */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { issueServerCertificate, loadOrCreateServerCa, serverNames, type TlsPems } from '../ca/server-tls.js';
import type { Listen, VerifierConfig } from '../config.js';
import { limitConnections, serverTimeoutOptions, type HttpLimits } from './connection-limits.js';

/** 127.0.0.0/8 and ::1: reachable from this host only, so plain HTTP is enough there. */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** The operator's files, else one from the server CA; undefined when every listener is on loopback. */
export async function listenerTls(config: VerifierConfig): Promise<TlsPems | undefined> {
  const exposed = [config.bind, config.adminListen?.bind ?? config.bind].filter((bind) => !isLoopback(bind));
  if (exposed.length === 0) return undefined;
  if (config.httpTls) return { cert: readFileSync(config.httpTls.certFile, 'utf8'), key: readFileSync(config.httpTls.keyFile, 'utf8') };
  return issueServerCertificate(await loadOrCreateServerCa(config.dataDir), serverNames(exposed));
}

/** The admin listener's sockets; empty until it listens, so admin routes answer nowhere before then. */
export function adminSocketSet(): { has(socket: Socket): boolean; add(socket: Socket): void } {
  return new WeakSet<Socket>();
}

export interface AdminListener {
  url: string;
  close(): Promise<void>;
}

export async function listenAdmin(
  app: FastifyInstance,
  listen: Listen,
  tls: TlsPems | undefined,
  sockets: { add(socket: Socket): void },
  limits: HttpLimits,
): Promise<AdminListener> {
  const handler = app.routing as unknown as Parameters<typeof createHttpServer>[1];
  // The same deadlines and caps as the webhook listener (see connection-limits.ts).
  const { http: options, keepAliveTimeout, requestTimeout } = serverTimeoutOptions(limits);
  const server: Server = tls ? createHttpsServer({ ...options, handshakeTimeout: limits.headersTimeoutMs, cert: tls.cert, key: tls.key }, handler) : createHttpServer(options, handler);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => sockets.add(socket));
  server.keepAliveTimeout = keepAliveTimeout;
  server.requestTimeout = requestTimeout;
  limitConnections(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.bind, port: listen.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
