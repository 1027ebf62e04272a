/**
 * The API's JSON body parser. Fastify's own refuses `__proto__` and `constructor.prototype` keys
 * (prototype poisoning) but answers every refusal "body is not valid JSON", which sends the caller
 * looking for a syntax error that is not there. This one refuses the same keys and says which key,
 * where: a 400 `validation` whose field is the key's path.
 *
 * @module verifier/http/json-body
 */
import { errorCodes, type FastifyInstance } from 'fastify';

/** A key that could replace or reach an object's prototype when the body is merged somewhere. */
export class ForbiddenJsonKey extends Error {
  readonly code = 'validation';
  readonly statusCode = 400;
  readonly fields: Array<{ path: string; message: string }>;

  constructor(path: string, key: string) {
    const reason = `the key "${key}" is refused: it could change object prototypes`;
    super(`${path}: ${reason}`);
    this.name = 'ForbiddenJsonKey';
    this.fields = [{ path, message: reason }];
  }
}

/** Text that cannot hold a forbidden key, even escaped (`"\u005f_proto__"`), skips the walk. */
const MAY_HOLD_FORBIDDEN_KEY = /__proto__|constructor|\\u/;

/** Replaces the default `application/json` parser of `app` (and of every context inside it). */
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
  if (MAY_HOLD_FORBIDDEN_KEY.test(text)) refuseForbiddenKeys(value);
  return value;
}

/** Walks the parsed value without recursion (a body may nest thousands of levels). */
function refuseForbiddenKeys(root: unknown): void {
  const pending: Array<{ value: unknown; path: string }> = [{ value: root, path: 'body' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}.${key}`;
      if (key === '__proto__') throw new ForbiddenJsonKey(childPath, key);
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) {
        throw new ForbiddenJsonKey(`${childPath}.prototype`, 'constructor.prototype');
      }
      pending.push({ value: child, path: childPath });
    }
  }
}
