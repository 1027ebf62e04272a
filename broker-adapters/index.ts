/** NanoMQ, mosquitto-go-auth and EMQX 5 over the one decision core, each behind the one caller guard. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Decider } from '../verifier/core/index.js';
import type { BrokerGuard } from './guard.js';
import { lazyChildLoggers } from '../logging/lazy-child.js';
import { adapterLogSerializers } from './reply.js';
import { nanomqRoutes } from './nanomq/routes.js';
import { goAuthRoutes } from './mosquitto-go-auth/routes.js';
import { emqxRoutes } from './emqx/routes.js';
import { createEmqxKicker, type EmqxApiConfig } from './emqx/kick.js';

export interface AdapterConfig {
  /** A NanoMQ `%d` / EMQX `${cert_subject}` proves the certificate: only behind verify_peer with our CA (README.md). */
  trustCertSubject: boolean;
  /** Absent: no kicks (`emqx/kick.ts`). */
  emqxApi?: EmqxApiConfig | undefined;
}

export interface AdapterOptions {
  decider: Decider;
  guard: BrokerGuard;
  /** Where adapter log lines go; defaults to each request's Fastify logger. */
  logger?: FastifyBaseLogger;
  config: AdapterConfig;
}

export { AdapterError, InvalidField, CallerUnknown, CallerSecretWrong } from './errors.js';
export type { AdapterErrorCode } from './errors.js';
export { ForbiddenJsonKey, refuseForbiddenKeys } from './json-keys.js';
export { createGuard, SECRET_HEADER, SECRET_QUERY, type BrokerGuard, type GuardConfig } from './guard.js';

export async function registerAdapters(app: FastifyInstance, opts: AdapterOptions): Promise<void> {
  const { guard } = opts;
  const dialects = [
    (scope: FastifyInstance) => nanomqRoutes(scope, { decider: opts.decider, trustCertSubject: opts.config.trustCertSubject }),
    (scope: FastifyInstance) => goAuthRoutes(scope, { decider: opts.decider }),
    (scope: FastifyInstance) => emqxRoutes(scope, { decider: opts.decider, trustCertSubject: opts.config.trustCertSubject }),
  ];
  if (opts.config.emqxApi) {
    const kicker = createEmqxKicker({ api: opts.config.emqxApi, logger: opts.logger ?? app.log });
    const stop = opts.decider.onChange((change) => kicker.onChange(change));
    app.addHook('onClose', async () => {
      stop();
      await kicker.idle();
    });
  }
  for (const routes of dialects) {
    await app.register(
      async (scope) => {
        scope.setChildLoggerFactory(lazyChildLoggers(opts.logger));
        scope.addHook('onRequest', guard);
        await routes(scope);
      },
      { logSerializers: adapterLogSerializers },
    );
  }
}
