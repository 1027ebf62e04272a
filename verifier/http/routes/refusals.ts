/**
 * `POST /v1/refusals`: a standalone broker's own refusals (its local ACL check, its quotas, a client id
 * holding another identity's session), in batches, kept among the recent decisions as if the broker
 * were in this process. Best effort: the broker drops what it cannot send.
 *
 * @module verifier/http/routes/refusals
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BrokerRefusals } from '../../../schemas/index.js';
import type { ManagedDecider } from '../../core/index.js';
import { ApiErrorBody } from '../errors.js';
import { nativeCaller } from './decisions.js';

export const refusalRoutes: FastifyPluginAsyncZod<{ decider: Pick<ManagedDecider, 'recordRefusal'> }> = async (app, { decider }) => {
  app.post(
    '/v1/refusals',
    { schema: { summary: 'Record refusals the broker made itself', tags: ['broker'], body: BrokerRefusals, response: { 204: z.null(), 400: ApiErrorBody, 401: ApiErrorBody } } },
    async (request, reply) => {
      const broker = nativeCaller(request.socket.remoteAddress);
      for (const refusal of request.body.items) decider.recordRefusal(refusal, broker);
      return reply.code(204).send(null);
    },
  );
};
