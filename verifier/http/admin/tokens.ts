/** The token text is in the issue response only; the verifier keeps just its `jti` and expiry. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeviceParams, Token, TokenIssue, TokenIssued, TokenParams } from '../../../schemas/admin.js';
import type { TokenAdmin } from '../../admin/index.js';
import { adminErrors, adminWriteErrors, optionalBody } from './responses.js';

const tags = ['tokens'];

/** `TokenIssue` with its bounds, but an absent `ttlSeconds` left absent so the operator's default applies. */
const TokenIssueBody = z.object({ ttlSeconds: TokenIssue.shape.ttlSeconds.removeDefault().optional() }).strict();

export const tokenRoutes: FastifyPluginAsyncZod<{ admin: TokenAdmin }> = async (app, { admin }) => {
  app.post(
    '/devices/:id/tokens',
    { schema: { tags, params: DeviceParams, body: optionalBody(TokenIssueBody), response: { 201: TokenIssued, ...adminWriteErrors } } },
    async (request, reply) => reply.code(201).send(await admin.issueToken(request.params.id, request.body.ttlSeconds)),
  );

  app.get(
    '/devices/:id/tokens',
    { schema: { tags, params: DeviceParams, response: { 200: z.array(Token), ...adminErrors } } },
    async (request) => admin.listTokens(request.params.id),
  );

  app.post(
    '/tokens/:jti/revoke',
    { schema: { tags, params: TokenParams, response: { 200: Token, ...adminErrors } } },
    async (request) => admin.revokeToken(request.params.jti),
  );
};
