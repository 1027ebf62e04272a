import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DecisionPage, DecisionQuery } from '../../../schemas/admin.js';
import type { ManagedDecider } from '../../core/index.js';
import { adminErrors } from './responses.js';

export const decisionLogRoutes: FastifyPluginAsyncZod<{ decider: Pick<ManagedDecider, 'recent'> }> = async (app, { decider }) => {
  app.get('/decisions', { schema: { tags: ['explain'], querystring: DecisionQuery, response: { 200: DecisionPage, ...adminErrors } } }, async (request, reply) => {
    const gone = new AbortController();
    // The response's 'close': the request's fires once its body is read.
    reply.raw.once('close', () => gone.abort());
    return decider.recent.wait(request.query, gone.signal);
  });
};
