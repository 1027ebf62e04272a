/**
 * `ARRA_EMQX_API_URL`: a changed device's EMQX clients are kicked so they log in again under today's
 * rights (EMQX keeps the login's ACL otherwise). `all` kicks nobody: it would drop the whole fleet.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Change } from '../../schemas/index.js';

export interface EmqxApiConfig {
  url: string;
  key: string;
  secret: string;
}

export interface EmqxKickOptions {
  api: EmqxApiConfig;
  logger: FastifyBaseLogger;
  timeoutMs?: number;
  maxQueued?: number;
}

export interface EmqxKicker {
  onChange(change: Change): void;
  /** Resolves once nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
}

export function createEmqxKicker(options: EmqxKickOptions): EmqxKicker {
  const { api, logger } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxQueued = options.maxQueued ?? 10_000;
  const base = api.url.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${api.key}:${api.secret}`).toString('base64')}`;
  const queued = new Set<string>();
  let running: Promise<void> = Promise.resolve();

  const call = async (method: 'GET' | 'DELETE', path: string): Promise<Response> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok && !(method === 'DELETE' && res.status === 404)) throw new Error(`${method} ${path.split('?')[0]}: HTTP ${res.status}`);
    return res;
  };

  const clientsOf = async (deviceId: string): Promise<Set<string>> => {
    const ids = new Set<string>();
    for (const field of ['clientid', 'username']) {
      const res = await call('GET', `/clients?${field}=${encodeURIComponent(deviceId)}&limit=1000`);
      const body = (await res.json()) as { data?: Array<{ clientid?: unknown }> };
      for (const client of body.data ?? []) if (typeof client.clientid === 'string') ids.add(client.clientid);
    }
    return ids;
  };

  const kick = async (deviceId: string): Promise<void> => {
    queued.delete(deviceId);
    try {
      const clients = await clientsOf(deviceId);
      for (const clientId of clients) await call('DELETE', `/clients/${encodeURIComponent(clientId)}`);
      if (clients.size > 0) logger.info({ deviceId, kicked: clients.size }, 'emqx clients kicked after a registry change');
    } catch (err) {
      logger.warn({ deviceId, error: (err as Error).message }, 'emqx kick failed');
    }
  };

  return {
    onChange(change) {
      if (change.kind !== 'device' || queued.has(change.deviceId)) return;
      if (queued.size >= maxQueued) {
        logger.warn({ deviceId: change.deviceId, maxQueued }, 'emqx kick queue full: change not pushed');
        return;
      }
      queued.add(change.deviceId);
      running = running.then(() => kick(change.deviceId));
    },
    idle: () => running,
  };
}
