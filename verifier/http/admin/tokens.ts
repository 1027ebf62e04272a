/**
 * Admin routes for device tokens: issue (signed by the core with the active key, its `jti` recorded so
 * it can be revoked), list a device's tokens, revoke by `jti`. The token text is in the issue response
 * only; the verifier keeps just its `jti` and expiry.
 *
 * @module verifier/http/admin/tokens
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeviceParams, Token, TokenIssue, TokenIssued, TokenParams } from '../../../schemas/admin.js';
import { type Clock, issueDeviceToken, type KeyRing } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { adminErrors, adminWriteErrors, optionalBody } from './responses.js';

export interface TokenRoutesOptions {
  store: Pick<Store, 'recordToken' | 'listTokens' | 'revokeToken' | 'getDeviceDetail'>;
  keys: KeyRing;
  clock: Clock;
  issuer: string;
  audience: string;
  /** `ARRA_TOKEN_TTL`: the lifetime when the request does not name one. */
  defaultTtlSeconds: number;
}

const tags = ['tokens'];

/** `TokenIssue` with its bounds, but an absent `ttlSeconds` left absent so the operator's default applies. */
const TokenIssueBody = z.object({ ttlSeconds: TokenIssue.shape.ttlSeconds.removeDefault().optional() }).strict();

export const tokenRoutes: FastifyPluginAsyncZod<TokenRoutesOptions> = async (app, { store, keys, clock, issuer, audience, defaultTtlSeconds }) => {
  app.post(
    '/devices/:id/tokens',
    { schema: { tags, params: DeviceParams, body: optionalBody(TokenIssueBody), response: { 201: TokenIssued, ...adminWriteErrors } } },
    async (request, reply) => {
      const deviceId = request.params.id;
      store.getDeviceDetail(deviceId); // 404 before signing a token nobody could use
      const issued = await issueDeviceToken(keys, clock, { deviceId, issuer, audience, ttlSeconds: request.body.ttlSeconds ?? defaultTtlSeconds });
      store.recordToken(deviceId, { jti: issued.jti, expiresAt: issued.expiresAt });
      return reply.code(201).send({ token: issued.token, jti: issued.jti, expiresAt: new Date(issued.expiresAt * 1000).toISOString() });
    },
  );

  app.get(
    '/devices/:id/tokens',
    { schema: { tags, params: DeviceParams, response: { 200: z.array(Token), ...adminErrors } } },
    async (request) => store.listTokens(request.params.id),
  );

  app.post(
    '/tokens/:jti/revoke',
    { schema: { tags, params: TokenParams, response: { 200: Token, ...adminErrors } } },
    async (request) => store.revokeToken(request.params.jti),
  );
};
