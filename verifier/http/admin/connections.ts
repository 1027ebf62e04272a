/** The bundled broker's clients, in this process or a standalone one's through its control socket. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConnectionListQuery, ConnectionPage, ConnectionParams } from '../../../schemas/admin.js';
import { ServiceUnavailableError } from '../../core/index.js';
import { NotFoundError } from '../../store/index.js';
import { ApiErrorBody } from '../errors.js';
import { adminErrors } from './responses.js';

/** What the admin API needs of the bundled broker. */
export interface BrokerClients {
  clients(query: ConnectionListQuery): ConnectionPage | Promise<ConnectionPage>;
  disconnect(clientId: string): boolean | Promise<boolean>;
}

/** The broker in this process once it runs (`npm start`); undefined until then. */
export type BrokerClientsLink = () => BrokerClients | undefined;

const tags = ['connections'];

export const connectionRoutes: FastifyPluginAsyncZod<{ broker: BrokerClientsLink }> = async (app, { broker }) => {
  const linked = (): BrokerClients => {
    const clients = broker();
    if (!clients) throw new ServiceUnavailableError('the bundled broker of this process is not running yet');
    return clients;
  };

  app.get(
    '/connections',
    { schema: { tags, querystring: ConnectionListQuery, response: { 200: ConnectionPage, ...adminErrors, 503: ApiErrorBody } } },
    async (request) => linked().clients(request.query),
  );

  app.post(
    '/connections/:clientId/disconnect',
    { schema: { tags, params: ConnectionParams, response: { 204: z.null(), ...adminErrors, 503: ApiErrorBody } } },
    async (request, reply) => {
      if (!(await linked().disconnect(request.params.clientId))) throw new NotFoundError(`client ${request.params.clientId} is not connected`);
      return reply.code(204).send(null);
    },
  );
};
