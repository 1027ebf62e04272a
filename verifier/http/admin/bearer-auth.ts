/** The admin API's only gate, checked before the body is read, in constant time. */
import type { onRequestAsyncHookHandler } from 'fastify';
import type { Secret } from '../../core/index.js';

const BEARER = /^Bearer +(\S+) *$/i;

export function bearerAuth(token: Secret): onRequestAsyncHookHandler {
  return async function checkAdminToken(request, reply) {
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (token.matches(presented)) return;
    request.log.warn({ hasAuthorization: request.headers.authorization !== undefined }, 'admin request without a valid bearer token');
    return reply.code(401).send({ error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
  };
}
