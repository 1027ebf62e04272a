/**
 * The admin API's only gate: an `onRequest` hook, registered inside the admin context alone (Fastify
 * encapsulation), that wants `Authorization: Bearer <ARRA_ADMIN_TOKEN>`. It runs before the body is
 * read, so an unauthenticated caller cannot make the verifier parse 20 MB. The comparison is on SHA-256
 * digests in constant time ({@link Secret.matches}).
 *
 * @module verifier/http/admin/bearer-auth
 */
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
