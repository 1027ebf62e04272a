/** The admin API: one context, whose bearer-token hook guards every route below and nothing outside. */
import type { FastifyPluginAsync } from 'fastify';
import type { VerifierConfig } from '../../config.js';
import type { ManagedDecider } from '../../core/index.js';
import { pathOnly } from '../../../logging/logger.js';
import type { Admin } from '../../admin/index.js';
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
  admin: Admin;
  decider: Pick<ManagedDecider, 'explain' | 'recent'>;
  /** The bundled broker's clients, once it runs in this process. */
  broker: BrokerClientsLink;
}

export const adminRoutes: FastifyPluginAsync<AdminDeps> = async (scope, { config, admin, decider, broker }) => {
  scope.addHook('onRequest', bearerAuth(config.adminToken));
  // Unknown admin paths go through the bearer check too: without a token, nobody learns which exist.
  scope.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no admin route ${request.method} ${pathOnly(request.url)}` } }),
  );
  await scope.register(deviceRoutes, { admin });
  await scope.register(credentialRoutes, { admin });
  await scope.register(tokenRoutes, { admin });
  await scope.register(groupRoutes, { admin });
  await scope.register(ruleRoutes, { admin });
  await scope.register(importRoutes, { admin, bodyLimit: config.importBodyLimit });
  await scope.register(keyRoutes, { admin });
  await scope.register(explainRoutes, { decider });
  await scope.register(decisionLogRoutes, { decider });
  await scope.register(connectionRoutes, { broker });
};
