/** How every dialect answers a failure: not our broker (401/403), bad request (a deny), core failed (5xx). */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { looksLikeJwt } from '../verifier/core/index.js';
import { ForbiddenJsonKey } from './json-keys.js';
import { AdapterError, CallerSecretWrong, CallerUnknown } from './errors.js';

export type DialectName = 'nanomq' | 'go-auth' | 'emqx';

export interface Refusal {
  statusCode: number;
  code: string;
  message: string;
}

export interface DialectReplies {
  /** Bad input: must read as a deny to the broker (never an allow, never a 5xx). */
  invalid(reply: FastifyReply, refusal: Refusal): FastifyReply;
  /** The decision core threw: must read as "cannot decide" to the broker, which then fails closed. */
  fault(reply: FastifyReply): FastifyReply;
}

export function installErrorHandler(app: FastifyInstance, dialect: DialectName, replies: DialectReplies): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const refusal = asRefusal(error);
    if (error instanceof CallerUnknown || error instanceof CallerSecretWrong) {
      request.log.warn({ adapter: dialect, code: refusal!.code, reason: refusal!.message }, 'adapter caller refused');
      return reply.code(refusal!.statusCode).send({ error: { code: refusal!.code, message: refusal!.message } });
    }
    if (refusal !== null) {
      request.log.warn({ adapter: dialect, code: refusal.code, reason: refusal.message }, 'adapter request refused: bad input, answered as a deny');
      return replies.invalid(reply, refusal);
    }
    request.log.error({ adapter: dialect, code: codeOf(error) }, 'adapter fault: the decision core failed, answered 5xx (never an allow)');
    return replies.fault(reply);
  });
}

/** Our refusals and Fastify's 4xx, with fixed messages: a raw SyntaxError quotes its input, maybe a password. */
function asRefusal(error: FastifyError | Error): Refusal | null {
  const statusCode = (error as FastifyError).statusCode;
  if ((error instanceof AdapterError && error.statusCode < 500) || error instanceof ForbiddenJsonKey) {
    return { statusCode: error.statusCode, code: error.code, message: error.message };
  }
  const code = codeOf(error);
  if (code.startsWith('FST_') && statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return { statusCode, code, message: error.message };
  }
  return null;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}

/** Identity fields for a log line; a username that is a JWT (go-auth's JWT mode) is replaced. */
export function logIdentity(fields: { clientId?: string; username?: string }): Record<string, string | undefined> {
  const username = fields.username;
  return {
    clientId: fields.clientId,
    username: username !== undefined && looksLikeJwt(username) ? '<jwt>' : username,
  };
}

/** Request log lines without the query string (NanoMQ GET puts the password there, go-auth `?secret=`). */
export const adapterLogSerializers = {
  req(request: FastifyRequest): string {
    return `${request.method} ${request.url.split('?')[0]} from ${request.raw.socket?.remoteAddress ?? 'unknown'}`;
  },
};

/** The broker behind a request, as admissions name it (`verifier/core/admissions.ts`): dialect and TCP peer. */
export function callerOf(dialect: DialectName, request: FastifyRequest): string {
  return `${dialect} ${request.socket.remoteAddress ?? 'unknown'}`;
}
