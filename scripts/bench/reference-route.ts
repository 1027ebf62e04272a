/**
 * What the verifier benchmarks compare against: the do-nothing Fastify route, with the same Fastify
 * and logger setup as the verifier, whose logs are produced and serialised as in production, then
 * dropped (disk speed is not what we measure).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { droppedLogs } from './dropped-logs.js';

export { droppedLogs };

/** Listens with the verifier's app and the do-nothing route (`POST /noop`), both on 127.0.0.1. */
export async function listenBesideNoop(verifierApp: FastifyInstance): Promise<{ verifierUrl: string; noopUrl: string; noop: FastifyInstance }> {
  const noop = Fastify({
    loggerInstance: droppedLogs() as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  noop.post('/noop', async () => ({ allow: true, superuser: false }));
  const verifierUrl = await verifierApp.listen({ host: '127.0.0.1', port: 0 });
  const noopUrl = await noop.listen({ host: '127.0.0.1', port: 0 });
  return { verifierUrl, noopUrl, noop };
}
