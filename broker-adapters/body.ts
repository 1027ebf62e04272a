/** Form and JSON bodies, query strings, and bodies on GET (go-auth sends them; Fastify reads none). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadBody, BodyTooLarge, UnsupportedMediaType } from './errors.js';
import { refuseForbiddenKeys } from './json-keys.js';

/** A NanoMQ JSON body with a 64 KiB password and a 64 KiB topic, escaped, fits; more is not a broker. */
export const BODY_LIMIT = 512 * 1024;

export type WireParams = Record<string, unknown>;

export function registerBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_request, body, done) => done(null, decodeForm(body as string)),
  );
  app.addHook('preValidation', readGetBody);
}

/** A repeated key becomes an array, so the schema refuses it instead of one value silently winning. */
export function decodeForm(text: string): WireParams {
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

export function requestParams(request: FastifyRequest): unknown {
  if (request.body !== undefined) return request.body;
  return request.method === 'GET' ? request.query : undefined;
}

async function readGetBody(request: FastifyRequest): Promise<void> {
  if (request.method !== 'GET' || !hasBody(request)) return;
  const text = await readText(request);
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') request.body = parseJson(text);
  else if (type === 'application/x-www-form-urlencoded' || type === '') request.body = decodeForm(text);
  else throw new UnsupportedMediaType(`content-type ${type} is not sent by any supported broker`);
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function readText(request: FastifyRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = request.raw;
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error) => {
      stream.removeAllListeners('data');
      stream.resume();
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) fail(new BodyTooLarge(`body larger than ${BODY_LIMIT} bytes`));
      else chunks.push(chunk);
    });
    stream.on('aborted', () => fail(new BadBody('body cut short: the caller closed the connection')));
    stream.on('error', (error) => fail(new BadBody('body could not be read', { cause: error })));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadBody('body is not valid JSON', { cause: error });
  }
  refuseForbiddenKeys(text, value);
  return value;
}
