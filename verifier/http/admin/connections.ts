/**
 * `GET /v1/admin/connections` and `POST /v1/admin/connections/:clientId/disconnect`: the clients of
 * the bundled broker when it runs in this process (`npm start`); a 404 says so when it does not.
 *
 * @module verifier/http/admin/connections
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConnectionList, ConnectionParams, type ConnectedClient } from '../../../schemas/admin.js';
import { NotFoundError } from '../../store/index.js';
import { adminErrors } from './responses.js';

/** What the admin API needs of the bundled broker; the composition root links it once the broker runs. */
export interface BrokerClients {
  clients(): ConnectedClient[];
  disconnect(clientId: string): boolean;
}

export type BrokerClientsLink = () => BrokerClients | undefined;

const tags = ['connections'];

export const connectionRoutes: FastifyPluginAsyncZod<{ broker: BrokerClientsLink }> = async (app, { broker }) => {
  const linked = (): BrokerClients => {
    const clients = broker();
    if (!clients) throw new NotFoundError('no bundled broker runs in this process (npm start runs one; a standalone verifier does not)');
    return clients;
  };

  app.get('/connections', { schema: { tags, response: { 200: ConnectionList, ...adminErrors } } }, async () => ({ items: linked().clients() }));

  app.post(
    '/connections/:clientId/disconnect',
    { schema: { tags, params: ConnectionParams, response: { 204: z.null(), ...adminErrors } } },
    async (request, reply) => {
      if (!linked().disconnect(request.params.clientId)) throw new NotFoundError(`client ${request.params.clientId} is not connected`);
      return reply.code(204).send(null);
    },
  );
};
