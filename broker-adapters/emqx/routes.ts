/**
 * EMQX 5: `/emqx/authn` and `/emqx/authz`. EMQX turns every 4xx/5xx into "ignore", so every decision is
 * a `200` (`ignore` only for an unknown device on a `?chain=1` URI); a core fault is a `503`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Decider } from '../../verifier/core/index.js';
import { BODY_LIMIT, registerBodyParsers, requestParams } from '../body.js';
import { callerOf, installErrorHandler, logIdentity, type DialectReplies } from '../reply.js';
import { parseAuthn, parseAuthz, toAuthenticate, toAuthnAllow, toAuthorize } from './map.js';

export interface EmqxRouteOptions {
  decider: Decider;
  trustCertSubject: boolean;
}

const replies: DialectReplies = {
  invalid: (reply, refusal) => reply.code(200).send({ result: 'deny', error: { code: refusal.code, message: refusal.message } }),
  fault: (reply) => reply.code(503).send({ result: 'ignore', error: { code: 'ERR_CORE_UNAVAILABLE', message: 'cannot decide' } }),
};

export async function emqxRoutes(app: FastifyInstance, opts: EmqxRouteOptions): Promise<void> {
  registerBodyParsers(app);
  installErrorHandler(app, 'emqx', replies);

  app.route({
    method: ['GET', 'POST'],
    url: '/emqx/authn',
    bodyLimit: BODY_LIMIT,
    handler: async (request, reply) => {
      const params = parseAuthn(requestParams(request));
      const identity = logIdentity({ clientId: params.clientid, username: params.username });
      const decision = await opts.decider.authenticate(toAuthenticate(params), { trustCertSubject: opts.trustCertSubject, admitFor: callerOf('emqx', request) });
      if (decision.allow) return reply.code(200).send(toAuthnAllow(decision));
      return deny(request, reply, 'authn', { ...identity, reason: decision.reason, detail: decision.message });
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/emqx/authz',
    bodyLimit: BODY_LIMIT,
    handler: async (request, reply) => {
      const query = toAuthorize(parseAuthz(requestParams(request)));
      const decision = opts.decider.authorize(query, callerOf('emqx', request));
      if (decision.allow) return reply.code(200).send({ result: 'allow' });
      return deny(request, reply, 'authz', { ...logIdentity(query), action: query.action, topic: query.topic, reason: decision.reason });
    },
  });
}

function deny(request: FastifyRequest, reply: FastifyReply, endpoint: string, fields: Record<string, unknown>): FastifyReply {
  const chained = (request.query as Record<string, unknown> | undefined)?.chain === '1';
  const result = chained && fields.reason === 'unknown_device' ? 'ignore' : 'deny';
  request.log.info({ adapter: 'emqx', endpoint, result, ...fields }, 'emqx deny');
  return reply.code(200).send(result === 'ignore' ? { result } : { result, is_superuser: false });
}
