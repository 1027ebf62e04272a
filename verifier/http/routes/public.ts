/** Routes anyone may call; none reveals a secret or registry content. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CertificateAdmin, SigningKeys } from '../../admin/index.js';
import { RegistryFileGoneError, ServiceUnavailableError } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import type { Metrics } from '../metrics.js';

export interface PublicRoutesOptions {
  store: Pick<Store, 'ping'>;
  keys: Pick<SigningKeys, 'publicJwks'>;
  deviceCa: Pick<CertificateAdmin, 'caCertificatePem'>;
  metrics: Metrics;
}

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
const Health = z.object({ status: z.literal('ok') }).strict();

export const publicRoutes: FastifyPluginAsyncZod<PublicRoutesOptions> = async (app, { store, keys, deviceCa, metrics }) => {
  app.get('/.well-known/jwks.json', { schema: { tags: ['public'], response: { 200: Jwks } } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=60');
    return keys.publicJwks();
  });

  app.get('/healthz', { schema: { tags: ['public'], response: { 200: Health } } }, async (request) => {
    try {
      await store.ping();
    } catch (err) {
      request.log.error({ err }, 'health check: registry does not answer');
      // Public route: the reason, never the file's path.
      throw new ServiceUnavailableError(err instanceof RegistryFileGoneError ? 'registry file deleted or replaced; writes are refused' : 'registry unavailable');
    }
    return { status: 'ok' as const };
  });

  app.get('/metrics', { schema: { tags: ['public'], hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/v1/ca.pem', { schema: { tags: ['public'], hide: true } }, async (_request, reply) => {
    return reply.type('application/x-pem-file').send(deviceCa.caCertificatePem());
  });

  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
};
