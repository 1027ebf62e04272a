import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ExplainRequest, Explanation } from '../../../schemas/admin.js';
import type { ManagedDecider } from '../../core/index.js';
import { adminErrors } from './responses.js';

export const explainRoutes: FastifyPluginAsyncZod<{ decider: Pick<ManagedDecider, 'explain'> }> = async (app, { decider }) => {
  app.post('/explain', { schema: { tags: ['explain'], body: ExplainRequest, response: { 200: Explanation, ...adminErrors } } }, async (request) =>
    decider.explain(request.body),
  );
};
