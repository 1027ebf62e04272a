/**
 * mosquitto-go-auth, HTTP and JWT-remote backends: `/go-auth[/jwt][/{status,json,text}]/{user,superuser,acl}`.
 * The response mode is in the URI because go-auth reads a 2xx differently per mode and cannot tell us.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkAcl, isValidTopicFilter, isValidTopicName } from '../../rules/index.js';
import { type Decider, looksLikeJwt, outwardReason } from '../../verifier/core/index.js';
import { BODY_LIMIT, registerBodyParsers, requestParams } from '../body.js';
import { callerOf, installErrorHandler, logIdentity, type DialectReplies } from '../reply.js';
import {
  RESPONSE_MODES,
  aclActions,
  bearerToken,
  parseAcl,
  parseJwtIdentity,
  parseSuperuser,
  parseUser,
  toAuthorizeRequests,
  tokenSubject,
  type ResponseMode,
} from './map.js';
import { TokenDecisionCache } from './token-cache.js';

export interface GoAuthRouteOptions {
  decider: Decider;
}

type Handler = (request: FastifyRequest) => Promise<Verdict>;
type Verdict = { allow: true } | { allow: false; reason: string; log?: Record<string, unknown> };

const replies: DialectReplies = {
  invalid: (reply, refusal) => reply.code(refusal.statusCode).send({ ok: false, error: `${refusal.code}: ${refusal.message}` }),
  fault: (reply) => reply.code(503).send({ ok: false, error: 'ERR_CORE_UNAVAILABLE: cannot decide' }),
};

export async function goAuthRoutes(app: FastifyInstance, opts: GoAuthRouteOptions): Promise<void> {
  registerBodyParsers(app);
  installErrorHandler(app, 'go-auth', replies);
  const tokens = new TokenDecisionCache(opts.decider);
  const stopListening = opts.decider.onChange((change) => tokens.invalidate(change));
  app.addHook('onClose', async () => stopListening());
  const backends = { '/go-auth': httpBackend(opts.decider), '/go-auth/jwt': jwtBackend(tokens) };
  for (const [prefix, handlers] of Object.entries(backends)) {
    for (const [check, handler] of Object.entries(handlers)) {
      register(app, `${prefix}/${check}`, 'status', handler);
      for (const mode of RESPONSE_MODES) register(app, `${prefix}/${mode}/${check}`, mode, handler);
    }
  }
}

function register(app: FastifyInstance, url: string, mode: ResponseMode, handler: Handler): void {
  app.route({
    method: ['GET', 'POST', 'PUT'],
    url,
    bodyLimit: BODY_LIMIT,
    handler: async (request, reply) => {
      const verdict = await handler(request);
      if (verdict.allow) return allow(reply, mode);
      request.log.info({ adapter: 'go-auth', url, reason: verdict.reason, ...verdict.log }, 'go-auth deny');
      return reply.code(403).send({ ok: false, error: verdict.reason });
    },
  });
}

function allow(reply: FastifyReply, mode: ResponseMode): FastifyReply {
  if (mode === 'text') return reply.code(200).type('text/plain').send('ok');
  return reply.code(200).send({ ok: true, error: '' });
}

/** A JWT in the username is its own proof: with no record (a verifier restart) it rebuilds the record. */
function httpBackend(decider: Decider): Record<'user' | 'superuser' | 'acl', Handler> {
  return {
    async user(request) {
      const query = parseUser(requestParams(request));
      const decision = await decider.authenticate(query, { admitFor: callerOf('go-auth', request) });
      // The core logged the precise reason; the answer does not tell an unknown device from a wrong password.
      return decision.allow ? decision : { allow: false, reason: outwardReason(decision.reason), log: logIdentity(query) };
    },
    async superuser(request) {
      const { username } = parseSuperuser(requestParams(request));
      return decider.isSuperuser({ username }, callerOf('go-auth', request)) ? { allow: true } : { allow: false, reason: 'not_superuser' };
    },
    async acl(request) {
      const caller = callerOf('go-auth', request);
      for (const query of toAuthorizeRequests(parseAcl(requestParams(request)))) {
        let decision = decider.authorize(query, caller);
        if (!decision.allow && decision.reason === 'not_authenticated' && looksLikeJwt(query.username!)) {
          const proof = await decider.authenticate({ clientId: query.clientId, username: query.username! }, { admitFor: caller });
          if (proof.allow) decision = decider.authorize(query, caller);
        }
        if (!decision.allow) {
          return { allow: false, reason: decision.reason, log: { ...logIdentity(query), action: query.action, topic: query.topic } };
        }
      }
      return { allow: true };
    },
  };
}

/** The bearer token is the credential on every request; the ACL is the one the core compiled for it. */
function jwtBackend(cache: TokenDecisionCache): Record<'user' | 'superuser' | 'acl', Handler> {
  const decide = (request: FastifyRequest, clientId?: string) => {
    const token = bearerToken(request.headers.authorization);
    return cache.decide(token, clientId ?? tokenSubject(token));
  };
  return {
    async user(request) {
      const decision = await decide(request, parseJwtIdentity(requestParams(request)).clientId);
      return decision.allow ? decision : { allow: false, reason: outwardReason(decision.reason) };
    },
    async superuser(request) {
      const decision = await decide(request, parseJwtIdentity(requestParams(request)).clientId);
      if (!decision.allow) return { allow: false, reason: decision.reason };
      return decision.superuser ? { allow: true } : { allow: false, reason: 'not_superuser' };
    },
    async acl(request) {
      const params = parseAcl(requestParams(request));
      const decision = await decide(request, params.clientid);
      const log = { clientId: params.clientid, topic: params.topic, acc: params.acc };
      if (!decision.allow) return { allow: false, reason: decision.reason, log };
      if (decision.superuser) return { allow: true };
      // A subscription is a filter [MQTT-4.7.1-2] [MQTT-4.7.1-3]; a publish or delivery topic has no wildcards [MQTT-3.3.2-2].
      const valid = params.acc === 4 ? isValidTopicFilter(params.topic) : isValidTopicName(params.topic);
      if (!valid) return { allow: false, reason: 'invalid_request', log };
      const denied = aclActions(params.acc).find((action) => !checkAcl(decision.acl, { action, topic: params.topic }).allow);
      return denied === undefined ? { allow: true } : { allow: false, reason: 'acl_denied', log: { ...log, action: denied } };
    },
  };
}
