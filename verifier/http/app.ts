/** The verifier's Fastify app, not listening: public routes, broker routes behind the one guard, admin behind the token. */
import type { Socket } from 'node:net';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import { createGuard, registerAdapters } from '../../broker-adapters/index.js';
import { addressList } from '../../rules/index.js';
import type { VerifierConfig } from '../config.js';
import type { Admin } from '../admin/index.js';
import type { ManagedDecider } from '../core/index.js';
import { lazyChildLoggers } from '../../logging/lazy-child.js';
import type { Logger } from '../../logging/logger.js';
import type { Store } from '../store/index.js';
import { adminRoutes } from './admin/index.js';
import type { BrokerClientsLink } from './admin/connections.js';
import { ChangeFeed } from './change-feed.js';
import { limitConnections, serverTimeoutOptions } from './connection-limits.js';
import { answerError, installErrorHandling } from './errors.js';
import { installJsonBodyParser } from './json-body.js';
import { createMetrics, type Metrics } from './metrics.js';
import { validatorCompiler } from './validation.js';
import { consoleRoutes } from './console.js';
import { changeRoutes } from './routes/changes.js';
import { refusalRoutes } from './routes/refusals.js';
import { decisionRoutes } from './routes/decisions.js';
import { publicRoutes } from './routes/public.js';

export interface AppDeps {
  config: VerifierConfig;
  logger: Logger;
  decider: ManagedDecider;
  store: Store;
  admin: Admin;
  /** Default: a fresh registry. Pass the one whose `onDecision` the decider reports to. */
  metrics?: Metrics;
  /** Whether a socket came through the admin listener (default: all); the admin routes 404 on any other. */
  adminSocket?: (socket: Socket) => boolean;
  /** The bundled broker's clients; default: none (the connections routes answer 503). */
  brokerClients?: BrokerClientsLink;
  /** Certificate and key: the app's own (webhook) listener speaks TLS. */
  https?: { cert: string; key: string };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store, admin, decider } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const feed = new ChangeFeed(store.revisions ? { startRevision: store.revisions.current } : {});
  const app = Fastify({
    // A TLS handshake gets the headers deadline too (Node's default is 120 s).
    ...(deps.https ? { https: { ...deps.https, handshakeTimeout: config.http.headersTimeoutMs } } : {}),
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    ...serverTimeoutOptions(config.http),
    // Close idle keep-alive sockets on shutdown so close() does not wait for brokers to hang up.
    forceCloseConnections: true,
    return503OnClosing: true,
    trustProxy: false,
    frameworkErrors: answerError,
    // Access logs for the admin API only (an audit trail): the core already logs every broker decision.
    logController: new LogController({ disableRequestLogging: (request: { url?: string }) => !request.url?.startsWith('/v1/admin') }),
  });
  limitConnections(app.server, config.http);
  // A text/plain body is a 415, not a string the schema then refuses with a confusing 400.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, metrics.instrument(app));
  await app.register(swagger, {
    openapi: {
      info: { title: 'ARRA-MQ verifier', version: '1' },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer' },
          brokerSecret: { type: 'apiKey', in: 'header', name: 'X-Arra-Secret' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  const stopFeed = store.revisions
    ? store.revisions.onChange((change, revision) => feed.push(change, revision))
    : store.onChange((change) => feed.push(change));
  // preClose, not onClose: held long polls must be answered before the server waits for open requests.
  app.addHook('preClose', async () => {
    stopFeed();
    feed.close();
  });

  await app.register(publicRoutes, { store, keys: admin.keys, deviceCa: admin, metrics });
  const guard = createGuard({ webhookSecret: config.webhookSecret, allowList: addressList(config.webhookAllow) });
  await app.register(async function brokerContext(broker) {
    broker.setChildLoggerFactory(lazyChildLoggers());
    broker.addHook('onRequest', guard);
    await broker.register(decisionRoutes, { decider, trustCertSubject: config.trustCertSubject });
    await broker.register(changeRoutes, { feed });
    await broker.register(refusalRoutes, { decider });
  });
  await registerAdapters(app, { decider, guard, config });
  const { adminSocket } = deps;
  await app.register(async function adminListenerOnly(scope) {
    // Before the bearer check, and the plain 404 of any unknown path: the admin API does not exist here.
    if (adminSocket) scope.addHook('onRequest', async (request, reply) => (adminSocket(request.socket) ? undefined : reply.callNotFound()));
    await scope.register(consoleRoutes);
    await scope.register(adminRoutes, { config, admin, decider, broker: deps.brokerClients ?? (() => undefined), prefix: '/v1/admin' });
  });
  return app as unknown as FastifyInstance;
}
