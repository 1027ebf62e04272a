/** Fastify's parser answers a prototype key "body is not valid JSON"; this one names the key's path. */
import { errorCodes, type FastifyInstance } from 'fastify';
import { refuseForbiddenKeys } from '../../broker-adapters/index.js';

export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  let value: unknown;
  try {
    // JSON.parse itself is safe: it defines "__proto__" as an own property. The danger is later code
    // copying the object into another, hence the refusal below.
    value = JSON.parse(text);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  refuseForbiddenKeys(text, value);
  return value;
}
