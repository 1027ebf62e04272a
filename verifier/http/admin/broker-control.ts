/**
 * The admin API's link to a standalone broker: its control socket (`broker/control.ts`), asked with
 * the webhook secret. A broker that does not answer is a 503 saying where it was looked for.
 */
import { request } from 'node:http';
import { ConnectionPage, type ConnectionListQuery } from '../../../schemas/admin.js';
import { ServiceUnavailableError } from '../../core/index.js';
import type { BrokerClients } from './connections.js';

const TIMEOUT_MS = 5000;
/** A page of 1,000 clients whose ids are as long as MQTT allows (64 KiB each). */
const MAX_BODY_BYTES = 80 * 1024 * 1024;

interface Answer {
  status: number;
  body: string;
}

export function brokerControlClient(socketPath: string, secret: string): BrokerClients {
  const unreachable = (why: string, cause?: unknown) =>
    new ServiceUnavailableError(`the broker's control socket ${socketPath} did not answer (${why}): is arra-mq-broker running with the same ARRA_DATA_DIR or ARRA_BROKER_CONTROL_SOCKET?`, { cause });

  function ask(method: 'GET' | 'POST', path: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath, method, path, headers: { 'x-arra-secret': secret }, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_BODY_BYTES) req.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(unreachable(err.message, err)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(unreachable(err.code ?? err.message, err)));
      req.end();
    });
  }

  return {
    async clients(query: ConnectionListQuery): Promise<ConnectionPage> {
      const answer = await ask('GET', `/clients?${controlQuery(query)}`);
      if (answer.status !== 200) throw unreachable(`status ${answer.status}`);
      const page = ConnectionPage.safeParse(parseJson(answer.body));
      if (!page.success) throw unreachable('an answer that is not a page of clients');
      return page.data;
    },
    async disconnect(clientId: string): Promise<boolean> {
      const answer = await ask('POST', `/clients/${encodeURIComponent(clientId)}/disconnect`);
      if (answer.status === 204 || answer.status === 404) return answer.status === 204;
      throw unreachable(`status ${answer.status}`);
    },
  };
}

function controlQuery({ limit, cursor, device }: ConnectionListQuery): URLSearchParams {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor !== undefined) query.set('cursor', cursor);
  if (device !== undefined) query.set('device', device);
  return query;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
