/**
 * `POST /v1/admin/import`: many devices in one transaction, as JSON (`{devices: [...]}`) or `text/csv`
 * (the store's `parseImportCsv` turns it into the JSON form before the one zod schema validates). Only this route accepts a large body (`ARRA_IMPORT_BODY_LIMIT`), and only here is CSV
 * understood: the parser is registered in this plugin's context alone.
 *
 * @module verifier/http/admin/import
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ImportBody, ImportResult } from '../../../schemas/admin.js';
import { parseImportCsv, type Store } from '../../store/index.js';
import { adminWriteErrors } from './responses.js';

export interface ImportRoutesOptions {
  store: Pick<Store, 'importDevices'>;
  bodyLimit: number;
}

export const importRoutes: FastifyPluginAsyncZod<ImportRoutesOptions> = async (app, { store, bodyLimit }) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit }, async (_request: unknown, body: string) => parseImportCsv(body));

  app.post(
    '/import',
    {
      bodyLimit,
      schema: {
        tags: ['devices'],
        summary: 'Create many devices at once (JSON or text/csv)',
        body: ImportBody,
        response: { 201: ImportResult, ...adminWriteErrors },
      },
    },
    async (request, reply) => reply.code(201).send(await store.importDevices(request.body)),
  );
};
