/**
 * The admin API (`/v1/admin/...`), one encapsulated context: the bearer-token hook registered here
 * guards every route below and nothing outside. Routes are grouped by resource, one file each; the
 * route table and bodies are `schemas/admin.ts`.
 *
 * @module verifier/http/admin
 */
import type { FastifyPluginAsync } from 'fastify';
import type { VerifierConfig } from '../../config.js';
import type { Clock, ManagedDecider } from '../../core/index.js';
import { pathOnly } from '../../../logging/logger.js';
import type { Store } from '../../store/index.js';
import { bearerAuth } from './bearer-auth.js';
import { connectionRoutes, type BrokerClientsLink } from './connections.js';
import { credentialRoutes } from './credentials.js';
import { decisionLogRoutes } from './decisions.js';
import { deviceRoutes } from './devices.js';
import { explainRoutes } from './explain.js';
import { groupRoutes } from './groups.js';
import { importRoutes } from './import.js';
import { keyRoutes } from './keys.js';
import { ruleRoutes } from './rules.js';
import { tokenRoutes } from './tokens.js';

export interface AdminDeps {
  config: VerifierConfig;
  store: Store;
  /** Stamps issued tokens; tests pin it. */
  clock: Clock;
  decider: Pick<ManagedDecider, 'explain' | 'recent'>;
  /** The bundled broker's clients, once it runs in this process. */
  broker: BrokerClientsLink;
}

export const adminRoutes: FastifyPluginAsync<AdminDeps> = async (admin, { config, store, clock, decider, broker }) => {
  admin.addHook('onRequest', bearerAuth(config.adminToken));
  // Unknown admin paths go through the bearer check too: without a token, nobody learns which exist.
  admin.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no admin route ${request.method} ${pathOnly(request.url)}` } }),
  );
  await admin.register(deviceRoutes, { store });
  await admin.register(credentialRoutes, { store });
  await admin.register(tokenRoutes, {
    store,
    keys: store,
    clock,
    issuer: config.issuer,
    audience: config.audience,
    defaultTtlSeconds: config.tokenTtlSeconds,
  });
  await admin.register(groupRoutes, { store });
  await admin.register(ruleRoutes, { store });
  await admin.register(importRoutes, { store, bodyLimit: config.importBodyLimit });
  await admin.register(keyRoutes, { store });
  await admin.register(explainRoutes, { decider });
  await admin.register(decisionLogRoutes, { decider });
  await admin.register(connectionRoutes, { broker });
};
