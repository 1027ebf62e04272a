// The verifier's change feed (`GET /v1/changes`, long poll), backing off while it is down; a failed poll
// moves to the next replica at once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ChangesResponse } from '../../schemas/changes.js';
import type { Change } from '../../schemas/index.js';
import type { Replica, ReplicaSet } from './replicas.js';

export interface ChangeFeedOptions {
  replicas: Pick<ReplicaSet, 'inOrder' | 'markDown' | 'returned'>;
  secret: string;
  emit: (change: Change) => void;
  logger?: Logger;
  /** How long the verifier may hold a poll open, ms. */
  waitMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ChangeFeedLoop {
  stop(): Promise<void>;
}

async function poll(options: ChangeFeedOptions, replica: Replica, since: number | undefined, waitMs: number, signal: AbortSignal) {
  const query = new URLSearchParams({ waitMs: String(waitMs) });
  if (since !== undefined) query.set('since', String(since));
  const response = await replica.feed.request({
    method: 'GET',
    path: `${replica.basePath}/v1/changes?${query}`,
    headers: { 'x-arra-secret': options.secret },
    signal,
    // The verifier answers within waitMs; beyond that (plus slack) the connection is dead.
    headersTimeout: waitMs + 10_000,
    bodyTimeout: 10_000,
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`GET /v1/changes answered ${response.statusCode}`);
  }
  return ChangesResponse.parse(await response.body.json());
}

/** Starts the poll loop; `stop()` aborts the open request and resolves when the loop has ended. */
export function startChangeFeed(options: ChangeFeedOptions): ChangeFeedLoop {
  const waitMs = options.waitMs ?? 25_000;
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  const abort = new AbortController();

  async function run(): Promise<void> {
    let since: number | undefined;
    let failures = 0;
    // Without a revision changes can slip by unseen: the first answer, like one after an outage, re-checks everyone.
    let unsynced = true;
    let polled: Replica | undefined;
    while (!abort.signal.aborted) {
      const replica = options.replicas.inOrder()[0]!;
      if (replica !== polled) {
        // Another replica's revisions are not this one's: start over, and re-check everyone.
        if (polled) {
          unsynced = true;
          options.logger?.info({ verifier: replica.origin }, 'change feed moved to another verifier replica');
        }
        since = undefined;
        polled = replica;
      }
      // A poll held on this replica ends when it is marked down or a preferred one is back.
      const moved = replica.down ? options.replicas.returned() : AbortSignal.any([replica.lost.signal, options.replicas.returned()]);
      try {
        // Unsynced, ask without waiting: the re-check must not wait for the next change.
        const answer = await poll(options, replica, since, unsynced ? 0 : waitMs, AbortSignal.any([abort.signal, moved]));
        if (unsynced) {
          if (failures > 0) options.logger?.info({ failures }, 'change feed reconnected; re-checking every session');
          options.emit({ kind: 'all' });
        }
        unsynced = false;
        failures = 0;
        since = answer.revision;
        if (answer.changes === null) options.emit({ kind: 'all' });
        else for (const change of answer.changes) options.emit(change);
      } catch (err) {
        if (abort.signal.aborted) return;
        if (moved.aborted) continue;
        if (failures === 0) options.logger?.warn({ err }, 'change feed lost the verifier; retrying with backoff');
        unsynced = true;
        options.replicas.markDown(replica, (err as Error).message);
        const next = options.replicas.inOrder()[0]!;
        if (next !== replica && !next.down) continue;
        const delay = Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures, 16));
        failures += 1;
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  }

  const done = run();
  return {
    async stop() {
      abort.abort();
      await done;
    },
  };
}
