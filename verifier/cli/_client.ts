/** Every failure becomes a `CliError`; a success body is parsed with the caller's schema, never half-printed. */
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import {
  ConflictError,
  NotFoundError,
  RejectedError,
  UnauthorizedError,
  UnexpectedError,
  UnreachableError,
  type CliError,
  type FieldIssue,
} from './_errors.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** Long enough for any admin call but an import (which passes its own). */
const RESPONSE_TIMEOUT_MS = 300_000;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | undefined>;

export interface RawBody {
  stream: Readable;
  contentType: string;
  length: number;
}

export interface SendOptions {
  query?: Query;
  json?: unknown;
  raw?: RawBody;
  /** How long to wait for the answer (default `RESPONSE_TIMEOUT_MS`). */
  timeoutMs?: number;
}

/** Looser than `AdminErrorBody`: 413/415 carry other codes, and an unknown code must still print its message. */
const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export class AdminClient {
  readonly #agent: Agent;
  readonly #token: string;

  /** @param serverCa a PEM CA trusted besides the public ones (the verifier's own server CA). */
  constructor(
    readonly baseUrl: string,
    token: string,
    serverCa?: string,
  ) {
    this.#token = token;
    const ca = serverCa === undefined ? undefined : [...rootCertificates, serverCa];
    this.#agent = new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS, ...(ca && { ca }) } });
  }

  async send<S extends z.ZodType>(method: Method, path: string, schema: S, options: SendOptions = {}): Promise<z.output<S>> {
    const response = await this.#dispatch(method, path, options);
    const text = await response.body.text().catch((error: unknown) => {
      throw new UnreachableError(`lost the connection to the verifier at ${this.baseUrl} while reading its answer`, { cause: error });
    });
    if (response.statusCode >= 200 && response.statusCode < 300) return parseSuccess(schema, text, method, path);
    throw errorFor(response.statusCode, text);
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async #dispatch(method: Method, path: string, options: SendOptions) {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    let body: string | Readable | undefined;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      headers['content-length'] = String(options.raw.length);
      body = options.raw.stream;
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    try {
      return await request(url, {
        method,
        headers,
        body,
        dispatcher: this.#agent,
        headersTimeout: options.timeoutMs ?? RESPONSE_TIMEOUT_MS,
        bodyTimeout: options.timeoutMs ?? RESPONSE_TIMEOUT_MS,
      });
    } catch (error) {
      // Anything before a response arrived (refused, reset, DNS, timeout) means we could not talk to it.
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new UnreachableError(`cannot reach the verifier at ${this.baseUrl} (${code})`, { cause: error });
    }
  }
}

function parseSuccess<S extends z.ZodType>(schema: S, text: string, method: Method, path: string): z.output<S> {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new UnexpectedError(`${method} ${path}: the verifier answered with a body that is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new UnexpectedError(`${method} ${path}: unexpected answer from the verifier${where}: ${issue?.message}`);
  }
  return parsed.data;
}

export function errorFor(status: number, text: string): CliError {
  const body = parseErrorBody(text);
  const message = body?.message ?? `HTTP ${status}`;
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    return new RejectedError(describeRejection(message, body?.fields ?? []), body?.fields ?? []);
  }
  if (status === 401 || status === 403) return new UnauthorizedError(`the verifier refused the admin token: ${message}`);
  if (status === 404) return new NotFoundError(message);
  if (status === 409) return new ConflictError(message);
  if (status === 502 || status === 503 || status === 504) {
    return new UnreachableError(`the verifier is unavailable (HTTP ${status}): ${message}`);
  }
  return new UnexpectedError(`the verifier failed (HTTP ${status}): ${message}`);
}

function parseErrorBody(text: string): { message: string; fields?: FieldIssue[] } | undefined {
  try {
    const json: unknown = JSON.parse(text);
    const ours = ErrorBody.safeParse(json);
    if (ours.success) return ours.data.error;
    // Fastify's own answers (unknown route, body too large) use the flat { message } shape.
    const flat = z.object({ message: z.string() }).safeParse(json);
    return flat.success ? { message: flat.data.message } : undefined;
  } catch {
    return undefined;
  }
}

/** Names each failing field as the user wrote it: `id`, not `body.id`. */
function describeRejection(message: string, fields: FieldIssue[]): string {
  if (fields.length === 0) return `rejected by the verifier: ${message}`;
  const lines = fields.map((field) => `  ${field.path.replace(/^(body|querystring|params)\.?/, '') || 'body'}: ${field.message}`);
  return ['rejected by the verifier:', ...lines].join('\n');
}
