/** Many devices in one transaction, JSON or CSV; only this context takes a large body or parses CSV. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ImportBody, ImportQuery, ImportResult } from '../../../schemas/admin.js';
import type { ImportAdmin } from '../../admin/index.js';
import { ClientGoneError } from '../../core/index.js';
import { parseImportCsv } from './import-csv.js';
import { adminWriteErrors } from './responses.js';

export interface ImportRoutesOptions {
  admin: ImportAdmin;
  bodyLimit: number;
}

export const importRoutes: FastifyPluginAsyncZod<ImportRoutesOptions> = async (app, { admin, bodyLimit }) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit }, async (_request: unknown, body: string) => parseImportCsv(body));

  app.post(
    '/import',
    {
      bodyLimit,
      schema: {
        tags: ['devices'],
        summary: 'Create many devices at once (JSON or text/csv)',
        querystring: ImportQuery,
        body: ImportBody,
        response: { 201: ImportResult, ...adminWriteErrors },
      },
    },
    async (request, reply) => {
      // The response's 'close' before it finished: the caller went away (aborted, timed out). Its
      // import must not commit behind its back, or its retry fails with 409 on rows it never saw land.
      const gone = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      try {
        return reply.code(201).send(await admin.importDevices(request.body, { onConflict: request.query.onConflict, signal: gone.signal }));
      } catch (err) {
        if (!gone.signal.aborted) throw err;
        throw new ClientGoneError('the caller went away before the answer: nothing was imported');
      }
    },
  );
};
