// Verifier replicas in order of preference: a failed one is skipped until its `/healthz` answers again.
import type { Logger } from 'pino';
import { Client, Pool } from 'undici';

export interface Replica {
  readonly origin: string;
  /** Path prefix of the verifier (from its URL), '' for the root. */
  readonly basePath: string;
  /** Keep-alive connections for decisions. */
  readonly pool: Pool;
  /** A connection of its own for the change feed's long poll. */
  readonly feed: Client;
  down: boolean;
  /** Aborted when the replica is marked down, so a poll held open on it ends at once. */
  lost: AbortController;
}

export interface ReplicaSetOptions {
  urls: readonly string[];
  connections: number;
  ca?: string;
  logger?: Logger;
  /** How often a replica marked down is probed. */
  probeMs?: number;
}

export interface ReplicaSet {
  /** Every replica, those answering first, each group in the configured order. */
  inOrder(): Replica[];
  markDown(replica: Replica, reason: string): void;
  /** Aborted the next time a replica marked down answers again. */
  returned(): AbortSignal;
  close(): Promise<void>;
}

export function createReplicaSet(options: ReplicaSetOptions): ReplicaSet {
  if (options.urls.length === 0) throw new Error('at least one verifier URL is needed');
  const connect = options.ca ? { connect: { ca: options.ca } } : {};
  const probeMs = options.probeMs ?? 1000;
  const replicas: Replica[] = options.urls.map((href) => {
    const url = new URL(href);
    return {
      origin: url.origin,
      basePath: url.pathname.replace(/\/+$/, ''),
      pool: new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 30_000, ...connect }),
      feed: new Client(url.origin, connect),
      down: false,
      lost: new AbortController(),
    };
  });
  const probes = new Map<Replica, NodeJS.Timeout>();
  let returned = new AbortController();

  async function answers(replica: Replica): Promise<boolean> {
    try {
      const response = await replica.pool.request({ method: 'GET', path: `${replica.basePath}/healthz`, signal: AbortSignal.timeout(probeMs) });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }

  function probe(replica: Replica): void {
    const timer = setTimeout(async () => {
      if (!probes.has(replica)) return;
      if (await answers(replica)) {
        probes.delete(replica);
        replica.down = false;
        replica.lost = new AbortController();
        options.logger?.info({ verifier: replica.origin }, 'verifier replica answers again');
        returned.abort();
        returned = new AbortController();
      } else if (probes.has(replica)) probe(replica);
    }, probeMs);
    timer.unref();
    probes.set(replica, timer);
  }

  return {
    inOrder: () => [...replicas.filter((r) => !r.down), ...replicas.filter((r) => r.down)],
    markDown(replica, reason) {
      if (replica.down || replicas.length === 1) return;
      replica.down = true;
      replica.lost.abort();
      options.logger?.warn({ verifier: replica.origin, reason }, 'verifier replica stopped answering; asking the next');
      probe(replica);
    },
    returned: () => returned.signal,
    async close() {
      for (const timer of probes.values()) clearTimeout(timer);
      probes.clear();
      await Promise.all(replicas.flatMap((r) => [r.pool.close(), r.feed.close()]));
    },
  };
}
