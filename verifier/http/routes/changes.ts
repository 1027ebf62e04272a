import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChangesQuery, ChangesResponse } from '../../../schemas/changes.js';
import type { ChangeFeed } from '../change-feed.js';
import { ApiErrorBody } from '../errors.js';

export const changeRoutes: FastifyPluginAsyncZod<{ feed: ChangeFeed }> = async (app, { feed }) => {
  app.get(
    '/v1/changes',
    {
      schema: {
        summary: 'Registry changes after a revision (long poll)',
        tags: ['broker'],
        querystring: ChangesQuery,
        response: { 200: ChangesResponse, 400: ApiErrorBody, 401: ApiErrorBody },
      },
    },
    async (request, reply) => {
      // The response's 'close' (not the request's, which fires once the body is read) tells us the
      // client went away, so its waiter does not linger until waitMs.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      return feed.wait(request.query.since, request.query.waitMs, gone.signal);
    },
  );
};
