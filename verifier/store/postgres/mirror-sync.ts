/**
 * Keeps a replica's mirror fresh and tells the replica's listeners, in one serialised queue: a write
 * this replica committed (applied before the admin call returns: read-your-writes) and every change
 * the change bus delivers from any replica. Each change is applied once, by whichever path reaches the
 * queue first (the other finds its log `seq` done); then the listeners hear it, after the mirror shows
 * it, as the SQLite store's listeners hear a change after COMMIT.
 *
 * @module verifier/store/postgres/mirror-sync
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Change } from '../../core/index.js';
import type { RevisionListener, SharedRevisions } from '../repositories.js';
import { announce, dedupeChanges, type ChangeListener } from '../changes.js';
import { startChangeBus, type ChangeBus } from './change-bus.js';
import { dropMirror, loadMirror, nextMirrorPath, refreshDevice } from './mirror.js';

const RETRY_MS = 1000;

interface Entry {
  changes: readonly Change[];
  /** The change-log seqs of these changes (none for a retry). */
  seqs: readonly number[];
  /** A write of this replica, a change the bus delivered, or a full reload after a failed one. */
  source: 'local' | 'bus' | 'retry';
}

export interface MirrorSyncOptions<V> {
  pool: pg.Pool;
  url: string;
  /** The mirror file (rebuilt at every start) or `:memory:`. */
  path: string;
  /** What readers use over a mirror database; rebuilt when a full load swaps the database. */
  view: (db: Database.Database) => V;
  logger?: Logger;
}

export interface MirrorSync<V> {
  view(): V;
  /** After COMMIT of a local write with these log seqs: the mirror shows it and listeners heard it. */
  applyLocal(changes: readonly Change[], seqs: readonly number[]): Promise<void>;
  onChange(listener: ChangeListener): () => void;
  /** Signing keys changed on some replica. */
  onKeysChanged(listener: () => void): () => void;
  /** Changes in change-log order once this mirror shows them, with their seq: one revision for all replicas. */
  readonly revisions: SharedRevisions;
  close(): Promise<void>;
}

export async function startMirrorSync<V>(options: MirrorSyncOptions<V>): Promise<MirrorSync<V>> {
  const { pool, logger } = options;
  const listeners = new Set<ChangeListener>();
  const keyListeners = new Set<() => void>();
  /** Seqs applied by one path and not yet reached by the other. */
  const done = new Set<number>();
  let queue: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  // The bus first: it starts at the log's end, and the snapshot loaded next holds at least that much.
  const onKeysChanged = () => keyListeners.forEach((listener) => listener());
  const bus: ChangeBus = await startChangeBus({ url: options.url, logger, onKeysChanged });
  let db: Database.Database;
  try {
    db = await loadMirror(pool, options.path);
  } catch (err) {
    await bus.close();
    throw err;
  }
  let view = options.view(db);
  /** The snapshot holds everything the bus had delivered when it was taken. */
  let applied = bus.revision;
  const ordered = new Set<RevisionListener>();

  async function apply(changes: readonly Change[]): Promise<void> {
    const deduped = dedupeChanges(changes);
    if (deduped.some((c) => c.kind === 'all')) {
      const next = await loadMirror(pool, nextMirrorPath(options.path, db.name));
      const old = db;
      db = next;
      view = options.view(next);
      dropMirror(old);
      return;
    }
    for (const change of deduped) if (change.kind === 'device') await refreshDevice(pool, db, change.deviceId);
  }

  /** A failed apply leaves the mirror behind PostgreSQL: reload it whole until that works. */
  function retryLater(): void {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      void enqueue({ changes: [{ kind: 'all' }], seqs: [], source: 'retry' });
    }, RETRY_MS);
    retry.unref();
  }

  /** The shared order: each bus change once applied here, with its seq (a retry's `all` at the bus's seq). */
  function inOrder(change: Change, seq: number): void {
    if (seq <= applied) return;
    applied = seq;
    announce(ordered, [change], logger, seq);
  }

  function enqueue(entry: Entry): Promise<void> {
    const { changes, seqs, source } = entry;
    const run = queue.then(async () => {
      if (closed) return;
      if (seqs.length > 0 && seqs.every((s) => done.has(s))) {
        seqs.forEach((s) => done.delete(s));
        if (source === 'bus') inOrder(changes[0]!, seqs[0]!);
        return;
      }
      try {
        await apply(changes);
      } catch (err) {
        logger?.error({ err }, 'registry mirror could not be refreshed from PostgreSQL; retrying with a full load');
        retryLater();
        return;
      }
      seqs.forEach((s) => (done.has(s) ? done.delete(s) : done.add(s)));
      announce(listeners, changes, logger);
      if (source === 'bus') inOrder(changes[0]!, seqs[0]!);
      if (source === 'retry') inOrder({ kind: 'all' }, bus.revision);
    });
    queue = run;
    return run;
  }

  bus.onChange((change, seq) => {
    // The bus delivers in seq order: what is below it was reached by both paths or never will be.
    for (const s of done) if (s < seq - 1000) done.delete(s);
    void enqueue({ changes: [change], seqs: [seq], source: 'bus' });
  });

  return {
    view: () => view,
    applyLocal: (changes, seqs) => (changes.length === 0 ? Promise.resolve() : enqueue({ changes, seqs, source: 'local' })),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onKeysChanged(listener) {
      keyListeners.add(listener);
      return () => keyListeners.delete(listener);
    },
    revisions: {
      get current() {
        return applied;
      },
      onChange(listener) {
        ordered.add(listener);
        return () => ordered.delete(listener);
      },
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await bus.close();
      await queue;
      dropMirror(db);
    },
  };
}
