/**
 * The broker adapters: HTTP dialects through which NanoMQ, mosquitto-go-auth and EMQX 5 ask the ONE
 * decision core, with nothing but their own configuration. Each dialect lives in its own encapsulated
 * Fastify context (own body parsers, own error handler) behind the shared caller guard.
 *
 * @example
 *   await app.register(registerAdapters, { decider, config: { webhookSecret, webhookAllow: ['127.0.0.1/32'], trustCertSubject: false } })
 *
 * @module broker-adapters
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Decider } from '../verifier/core/types.js';
import { createGuard } from './guard.js';
import { adapterLogSerializers } from './reply.js';
import { nanomqRoutes } from './nanomq/routes.js';
import { goAuthRoutes } from './mosquitto-go-auth/routes.js';
import { emqxRoutes } from './emqx/routes.js';
import { createEmqxKicker, type EmqxApiConfig } from './emqx/kick.js';

export interface AdapterConfig {
  /** Shared secret brokers send as `X-Arra-Secret` (or `?secret=`); empty = address allow-list only. */
  webhookSecret: string;
  /** CIDRs whose callers need no secret (go-auth cannot send headers). */
  webhookAllow: string[];
  /**
   * Accept a certificate subject handed over by NanoMQ (`%d`) / EMQX (`${cert_subject}`) as proof of
   * the device's certificate. Only for listeners with verify_peer, fail_if_no_peer_cert and the
   * verifier's device CA (GET /v1/ca.pem); see README.md.
   */
  trustCertSubject: boolean;
  /** EMQX's REST API: device changes kick that device's EMQX clients (`emqx/kick.ts`). Absent: off. */
  emqxApi?: EmqxApiConfig | undefined;
}

export interface AdapterOptions {
  decider: Decider;
  /** Where adapter log lines go; defaults to each request's Fastify logger. */
  logger?: FastifyBaseLogger;
  config: AdapterConfig;
}

export { AdapterError, InvalidField, CallerUnknown, CallerSecretWrong, AdapterConfigError } from './errors.js';
export type { AdapterErrorCode } from './errors.js';
export { createGuard, SECRET_HEADER, SECRET_QUERY, type GuardConfig } from './guard.js';

/** Registers every dialect. Throws `AdapterConfigError` when `webhookAllow` holds something that is not a CIDR. */
export async function registerAdapters(app: FastifyInstance, opts: AdapterOptions): Promise<void> {
  const guard = createGuard(opts.config);
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
        if (opts.logger) {
          const logger = opts.logger;
          scope.addHook('onRequest', (request, _reply, done) => {
            request.log = logger.child({ reqId: request.id });
            done();
          });
        }
        scope.addHook('onRequest', guard);
        await routes(scope);
      },
      { logSerializers: adapterLogSerializers },
    );
  }
}
