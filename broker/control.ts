// The standalone broker's endpoint for the verifier's admin API: HTTP on a unix socket (0600) in the data
// directory, each request proved by the webhook secret in `X-Arra-Secret`.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Broker } from './broker.js';
import { ConnectionListQuery } from '../schemas/index.js';
import { BrokerConfigError } from './errors.js';

/** Longest unix socket path Linux accepts (`sun_path` is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;
const DISCONNECT = /^\/clients\/([^/]+)\/disconnect$/;

export interface ControlOptions {
  path: string;
  /** Whether a presented `X-Arra-Secret` is the webhook secret; the caller supplies a constant-time check. */
  isSecret: (presented: string) => boolean;
  broker: Pick<Broker, 'clients' | 'disconnect'>;
  logger: Logger;
}

export interface ControlServer {
  close(): Promise<void>;
}

export async function listenControl(options: ControlOptions): Promise<ControlServer> {
  const { path, broker, logger } = options;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new BrokerConfigError(`ARRA_BROKER_CONTROL_SOCKET: ${path} is longer than ${MAX_SOCKET_PATH} bytes; name a shorter path`);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  removeStaleSocket(path);
  const server = createServer({ headersTimeout: 5000, requestTimeout: 5000, maxHeaderSize: 8192 }, (req, res) => {
    const given = req.headers['x-arra-secret'];
    if (typeof given !== 'string' || !options.isSecret(given)) {
      logger.warn({ method: req.method, reason: 'secret missing or wrong' }, 'control request refused');
      return reply(res, 401, { error: { code: 'unauthorized', message: 'send X-Arra-Secret' } });
    }
    answer(req, res, broker);
  });
  server.maxConnections = 16;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  logger.info({ path }, 'broker control socket listening');
  return {
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function answer(req: IncomingMessage, res: ServerResponse, broker: ControlOptions['broker']): void {
  const url = req.url ?? '';
  if (req.method === 'GET' && (url === '/clients' || url.startsWith('/clients?'))) return listPage(res, url, broker);
  const match = req.method === 'POST' ? DISCONNECT.exec(url) : null;
  if (match) {
    let clientId: string;
    try {
      clientId = decodeURIComponent(match[1]!);
    } catch {
      return reply(res, 400, { error: { code: 'validation', message: 'client id is not valid percent-encoding' } });
    }
    return broker.disconnect(clientId) ? reply(res, 204) : reply(res, 404, { error: { code: 'not_found', message: `client ${clientId} is not connected` } });
  }
  reply(res, 404, { error: { code: 'not_found', message: 'GET /clients or POST /clients/:clientId/disconnect' } });
}

/** `GET /clients?limit=&cursor=&device=`: the admin API's query, checked again here (a 400 names the field). */
function listPage(res: ServerResponse, url: string, broker: ControlOptions['broker']): void {
  const query = ConnectionListQuery.safeParse(Object.fromEntries(new URL(url, 'http://control').searchParams));
  if (!query.success) {
    const issue = query.error.issues[0]!;
    return reply(res, 400, { error: { code: 'validation', message: `${issue.path.join('.') || 'query'}: ${issue.message}` } });
  }
  reply(res, 200, broker.clients(query.data));
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** A socket left by a broker that died is replaced; any other file there is not ours to remove. */
function removeStaleSocket(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new BrokerConfigError(`ARRA_BROKER_CONTROL_SOCKET: ${path} exists and is not a socket`);
  unlinkSync(path);
}
