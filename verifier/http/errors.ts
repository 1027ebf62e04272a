/** Anything thrown becomes `{error: {code, message, fields?}}`; a 5xx body never carries the internal message. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pathOnly } from '../../logging/logger.js';
import { ValidationError, VerifierError, type FieldError, type VerifierErrorCode } from '../core/index.js';

/** Every error body of the API (the admin API narrows `code` to `AdminErrorCode`). */
export const ApiErrorBody = z
  .object({
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        fields: z.array(z.object({ path: z.string(), message: z.string() }).strict()).optional(),
      })
      .strict(),
  })
  .strict();
export type ErrorBody = z.infer<typeof ApiErrorBody>;

/** Our errors' codes → the status and the public code clients key on. */
const ANSWERS: Partial<Record<VerifierErrorCode, { status: number; code: string }>> = {
  ERR_VALIDATION: { status: 400, code: 'validation' },
  ERR_NOT_FOUND: { status: 404, code: 'not_found' },
  ERR_CONFLICT: { status: 409, code: 'conflict' },
  // nginx's status for a caller that closed the connection first: logged, never seen by that caller.
  ERR_CLIENT_GONE: { status: 499, code: 'client_closed_request' },
  ERR_UNAVAILABLE: { status: 503, code: 'unavailable' },
  ERR_REGISTRY_GONE: { status: 503, code: 'unavailable' },
};

const STATUS_BY_CODE: Record<string, number> = { validation: 400, unauthorized: 401, payload_too_large: 413, unsupported_media_type: 415 };

/** Fastify's and the adapters' guard's client errors, renamed to ours so clients key on one vocabulary. */
const RENAMED_CODES: Record<string, { code: string; message: string; path?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation', message: 'body is not valid JSON', path: 'body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation', message: 'body is empty but content-type is application/json', path: 'body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'body is larger than this route accepts' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation', message: 'content-length does not match the body', path: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'unsupported content-type' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'unsupported_media_type', message: 'unsupported content-type' },
  // The broker guard: brokers get one answer whether the secret was missing or wrong.
  ERR_ADAPTER_CALLER_UNKNOWN: { code: 'unauthorized', message: 'not a known broker: send X-Arra-Secret' },
  ERR_ADAPTER_CALLER_SECRET_WRONG: { code: 'unauthorized', message: 'not a known broker: send X-Arra-Secret' },
};

/** SQLite codes for storage that cannot take the write now (full, read-only, locked): a 503 to retry. */
const STORAGE_FAULT = /^SQLITE_(FULL|READONLY|BUSY|LOCKED|IOERR|CANTOPEN)/;

interface Classified {
  status: number;
  body: ErrorBody;
}

export function classifyError(err: unknown): Classified {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const fields = err.validation.flatMap((issue) => toFieldErrors(err.validationContext, issue));
    const message = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
    return { status: 400, body: { error: { code: 'validation', message, fields } } };
  }
  const e = err as Partial<FastifyError> & { fields?: unknown };
  const renamed = typeof e.code === 'string' ? RENAMED_CODES[e.code] : undefined;
  if (renamed) {
    const { code, message, path } = renamed;
    return { status: STATUS_BY_CODE[code]!, body: { error: { code, message, ...(path && { fields: [{ path, message }] }) } } };
  }
  const answer = err instanceof VerifierError ? ANSWERS[err.code] : undefined;
  if (answer) {
    const fields = err instanceof ValidationError ? { fields: err.fields } : {};
    return { status: answer.status, body: { error: { code: answer.code, message: (err as Error).message, ...fields } } };
  }
  // Errors of other parts that speak the API's vocabulary already (the JSON body parser's key check).
  const status = typeof e.code === 'string' ? STATUS_BY_CODE[e.code] : undefined;
  if (status !== undefined) {
    const fields = Array.isArray(e.fields) ? (e.fields as FieldError[]) : undefined;
    return { status, body: { error: { code: e.code!, message: e.message ?? e.code!, ...(fields && { fields }) } } };
  }
  if (typeof e.code === 'string' && STORAGE_FAULT.test(e.code)) {
    return { status: 503, body: { error: { code: 'unavailable', message: 'the registry cannot be written right now (disk full, read-only or locked); retry later' } } };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: { code: 'bad_request', message: e.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** One entry per failing field; an unknown key is named itself, not its parent object. */
function toFieldErrors(context: string | undefined, issue: ValidationIssue): FieldError[] {
  const base = [context ?? 'body', ...issue.instancePath.split('/').filter(Boolean)].join('.');
  const keys = issue.params['keys'];
  if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
    return keys.map((key) => ({ path: `${base}.${String(key)}`, message: 'unknown field' }));
  }
  return [{ path: base, message: issue.message ?? issue.keyword }];
}

/** Also the `frameworkErrors` option (a URL that does not decode), so every answer has the coded shape. */
export function answerError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = classifyError(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: body.error.code, status, reason: (err as Error).message }, 'request refused');
  return reply.code(status).type('application/json').send(body);
}

/** `observeNotFound` runs when a 404 is sent (the metrics' "unmatched" route). */
export function installErrorHandling(app: FastifyInstance, observeNotFound: (request: FastifyRequest, reply: FastifyReply) => void): void {
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${pathOnly(request.url)}` } });
    observeNotFound(request, reply);
  });
}
