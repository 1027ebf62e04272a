/** The native decision endpoints: allow 200, deny 403 with the deny, no decision 503 (never `allow`). */
import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z, ZodTypeAny } from 'zod';
import {
  type AuthenticateDecision,
  AuthenticateAllow,
  AuthenticateBatchLine,
  AuthenticateBatchRequest,
  AuthenticateRequest,
  AuthorizeAllow,
  AuthorizeRequest,
  Deny,
  RightsAllow,
  RightsRequest,
} from '../../../schemas/index.js';
import { type ManagedDecider, outwardDeny } from '../../core/index.js';
import { ServiceUnavailableError } from '../../core/index.js';
import { ApiErrorBody } from '../errors.js';

export interface DecisionRoutesOptions {
  decider: ManagedDecider;
  trustCertSubject: boolean;
}

/** The core's own typed values, written with plain JSON.stringify: the hot path; the schemas feed OpenAPI. */
const serializerCompiler = () => (data: unknown) => JSON.stringify(data);

export const decisionRoutes: FastifyPluginAsyncZod<DecisionRoutesOptions> = async (app, { decider, trustCertSubject }) => {
  app.post(
    '/v1/authenticate',
    {
      serializerCompiler,
      schema: {
        summary: 'Decide a CONNECT',
        tags: ['broker'],
        body: AuthenticateRequest,
        response: { 200: AuthenticateAllow, 403: Deny, 400: ApiErrorBody, 401: ApiErrorBody, 503: ApiErrorBody },
      },
    },
    (request, reply) => {
      const answer = (decision: AuthenticateDecision) => {
        reply.code(decision.allow ? 200 : 403);
        return decision.allow ? decision : outwardDeny(decision);
      };
      const failed = (err: unknown): never => {
        throw unavailable(request.log, 'authenticate', err);
      };
      let decision;
      try {
        decision = decider.authenticateNow(request.body, { trustCertSubject, admitFor: nativeCaller(request.socket.remoteAddress) });
      } catch (err) {
        failed(err);
      }
      return decision instanceof Promise ? decision.then(answer, failed) : answer(decision!);
    },
  );

  app.post(
    '/v1/authenticate/batch',
    {
      serializerCompiler,
      schema: {
        summary: 'Decide concurrent CONNECTs in one request',
        description:
          'Each request is decided as `/v1/authenticate` decides it. The answer is NDJSON (`application/x-ndjson`): one line per request, ' +
          'in the order the decisions are made (a slow one holds up no other), each naming its `index` in `requests`. ' +
          'The answer begins at once: with the decisions made at once, or a blank line (blank lines carry nothing).',
        tags: ['broker'],
        body: AuthenticateBatchRequest,
        response: { 200: AuthenticateBatchLine, 400: ApiErrorBody, 401: ApiErrorBody },
      },
    },
    (request, reply) => {
      const caller = { trustCertSubject, admitFor: nativeCaller(request.socket.remoteAddress) };
      const lines = batchLines(request.body.requests, (one) => decider.authenticateNow(one, caller), (err) =>
        logUndecided(request.log, 'authenticate', err, 'an unavailable line (deny, unless another replica decides)'),
      );
      // NDJSON, not the JSON the schema types: the line schema documents it and no serializer runs on it.
      void reply.type('application/x-ndjson').send(lines as never);
    },
  );

  syncDecisionRoute(app, '/v1/authorize', 'Decide a PUBLISH or SUBSCRIBE', AuthorizeRequest, AuthorizeAllow, (body, caller) => decider.authorize(body, caller));
  syncDecisionRoute(
    app,
    '/v1/rights',
    'The rights of one identity now, without a credential (stored sessions, delayed wills)',
    RightsRequest,
    RightsAllow,
    (body) => decider.rights(body),
  );
};

type App = Parameters<FastifyPluginAsyncZod>[0];

function batchLine(index: number, decision: AuthenticateDecision | undefined): string {
  if (decision === undefined) return `${JSON.stringify({ index, unavailable: true })}\n`;
  return `${JSON.stringify({ index, decision: decision.allow ? decision : outwardDeny(decision) })}\n`;
}

/**
 * The batch's answer: one string when every decision was made at once (a reconnect storm), else a
 * stream that writes those at once and each later one as it is made.
 */
function batchLines(
  requests: readonly AuthenticateRequest[],
  decide: (request: AuthenticateRequest) => AuthenticateDecision | Promise<AuthenticateDecision>,
  failed: (err: unknown) => void,
): string | Readable {
  let ready = '';
  const later: Array<Promise<string>> = [];
  requests.forEach((one, index) => {
    let decision;
    try {
      decision = decide(one);
    } catch (err) {
      failed(err);
      ready += batchLine(index, undefined);
      return;
    }
    if (!(decision instanceof Promise)) ready += batchLine(index, decision);
    else later.push(decision.then((made) => batchLine(index, made), (err: unknown) => (failed(err), batchLine(index, undefined))));
  });
  if (later.length === 0) return ready;
  const out = new Readable({ read() {} });
  // The answer begins at once, a blank line if nothing is decided yet: the broker sends its next batch then.
  out.push(ready || '\n');
  let left = later.length;
  for (const line of later) {
    void line.then((text) => {
      if (out.destroyed) return;
      out.push(text);
      if (--left === 0) out.push(null);
    });
  }
  return out;
}

/** A route over a synchronous decision of the core: no promise between the body and the answer. */
function syncDecisionRoute<Body extends ZodTypeAny>(
  app: App,
  url: string,
  summary: string,
  body: Body,
  allow: ZodTypeAny,
  decide: (body: z.infer<Body>, caller: string) => { allow: boolean },
): void {
  app.post(
    url,
    {
      serializerCompiler,
      schema: { summary, tags: ['broker'], body, response: { 200: allow, 403: Deny, 400: ApiErrorBody, 401: ApiErrorBody, 503: ApiErrorBody } },
    },
    (request, reply) => {
      let decision;
      try {
        decision = decide(request.body as z.infer<Body>, nativeCaller(request.socket.remoteAddress));
      } catch (err) {
        throw unavailable(request.log, url, err);
      }
      reply.code(decision.allow ? 200 : 403);
      return decision;
    },
  );
}

/** The caller as the admissions record names it: `/v1/authorize` decides for what `/v1/authenticate` proved for the same broker. */
export function nativeCaller(address: string | undefined): string {
  return `native ${address ?? 'unknown'}`;
}

/** A fault is logged with its cause and becomes a 503: fail closed, and say why in the log. */
function unavailable(log: FastifyBaseLogger, kind: string, err: unknown): ServiceUnavailableError {
  logUndecided(log, kind, err, '503 (deny)');
  return new ServiceUnavailableError();
}

/** Why a decision could not be made, and what the caller hears instead. */
function logUndecided(log: FastifyBaseLogger, kind: string, err: unknown, answer: string): void {
  log.error({ err, kind }, `no decision could be made; answering ${answer}`);
}
