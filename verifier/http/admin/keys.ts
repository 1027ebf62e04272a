/** Rotate makes a new active key while the old one keeps verifying; retire stops accepting it. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeyParams, KeyRotate, SigningKeyInfo } from '../../../schemas/admin.js';
import type { KeyAdmin } from '../../admin/index.js';
import { adminErrors, adminWriteErrors, optionalBody } from './responses.js';

const tags = ['keys'];

export const keyRoutes: FastifyPluginAsyncZod<{ admin: KeyAdmin }> = async (app, { admin }) => {
  app.get('/keys', { schema: { tags, response: { 200: z.array(SigningKeyInfo), ...adminErrors } } }, async () => admin.listKeys());

  app.post('/keys/rotate', { schema: { tags, body: optionalBody(KeyRotate), response: { 201: SigningKeyInfo, ...adminWriteErrors } } }, async (request, reply) =>
    reply.code(201).send(await admin.rotateKey(request.body.alg)),
  );

  app.post('/keys/:kid/retire', { schema: { tags, params: KeyParams, response: { 200: SigningKeyInfo, ...adminWriteErrors } } }, async (request) =>
    admin.retireKey(request.params.kid),
  );
};
