/** NanoMQ `auth_http`; acl and superuser requests carry no proof: decided for what the client id authenticated as. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Decider, outwardReason } from '../../verifier/core/index.js';
import { BODY_LIMIT, registerBodyParsers, requestParams } from '../body.js';
import { callerOf, installErrorHandler, logIdentity, type DialectReplies } from '../reply.js';
import { parseNanoParams, toAuthenticate, toAuthorizeRequests, toIdentity } from './map.js';

export interface NanomqRouteOptions {
  decider: Decider;
  trustCertSubject: boolean;
}

const replies: DialectReplies = {
  invalid: (reply, refusal) =>
    reply.code(refusal.statusCode).send({ result: 'deny', error: { code: refusal.code, message: refusal.message } }),
  fault: (reply) => reply.code(503).send({ result: 'error', error: { code: 'ERR_CORE_UNAVAILABLE', message: 'cannot decide' } }),
};

export async function nanomqRoutes(app: FastifyInstance, opts: NanomqRouteOptions): Promise<void> {
  registerBodyParsers(app);
  installErrorHandler(app, 'nanomq', replies);
  const route = (url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) =>
    app.route({ method: ['GET', 'POST'], url, bodyLimit: BODY_LIMIT, handler });

  route('/nanomq/auth', async (request, reply) => {
    const params = parseNanoParams(requestParams(request));
    const identity = logIdentity(toIdentity(params));
    const decision = await opts.decider.authenticate(toAuthenticate(params), { trustCertSubject: opts.trustCertSubject, admitFor: callerOf('nanomq', request) });
    if (decision.allow) return allow(reply);
    // The core logged the precise reason; the answer does not tell an unknown device from a wrong password.
    return deny(request, reply, 'auth', { ...identity, reason: outwardReason(decision.reason) });
  });

  route('/nanomq/superuser', async (request, reply) => {
    const identity = toIdentity(parseNanoParams(requestParams(request)));
    if (opts.decider.isSuperuser(identity, callerOf('nanomq', request), { trustCertSubject: opts.trustCertSubject })) return allow(reply);
    // Not an event worth a log line: NanoMQ asks this before every PUBLISH and SUBSCRIBE.
    return reply.code(403).send({ result: 'deny', reason: 'not_superuser' });
  });

  route('/nanomq/acl', async (request, reply) => {
    const params = parseNanoParams(requestParams(request));
    const caller = callerOf('nanomq', request);
    for (const query of toAuthorizeRequests(params)) {
      const ownStatus = isOwnStatusEvent(query);
      const decision = opts.decider.authorize(query, caller, { quiet: ownStatus, trustCertSubject: opts.trustCertSubject });
      // NanoMQ's own online/offline event for an admitted client needs no rule (NanoMQ logs an ERROR per 403).
      if (ownStatus && (decision.allow || decision.reason === 'acl_denied')) return allow(reply);
      if (!decision.allow) {
        return deny(request, reply, 'acl', {
          ...logIdentity(query),
          action: query.action,
          topic: query.topic,
          reason: decision.reason,
        });
      }
    }
    return allow(reply);
  });
}

function isOwnStatusEvent(query: { action: string; topic: string; clientId: string }): boolean {
  return query.action === 'publish' && query.topic === `${STATUS_TOPIC}${query.clientId}`;
}

const STATUS_TOPIC = '$SYS/brokers/client_status/';

/** Exactly 200: NanoMQ reads 204 and every other status as a deny. */
function allow(reply: FastifyReply): FastifyReply {
  return reply.code(200).send({ result: 'allow' });
}

function deny(request: FastifyRequest, reply: FastifyReply, endpoint: string, fields: Record<string, unknown>): FastifyReply {
  request.log.info({ adapter: 'nanomq', endpoint, ...fields }, 'nanomq deny');
  return reply.code(403).send({ result: 'deny', reason: fields.reason });
}
