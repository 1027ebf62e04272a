/**
 * Keeps a replica's mirror fresh from its own writes (before the admin call returns) and the change
 * bus, each change once, by whichever path reaches the queue first; listeners hear it once the mirror
 * shows it. An `all` reloads the mirror beside the queue, so device changes are not held behind it.
 *
 * @module verifier/store/postgres/mirror-sync
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Change } from '../../core/index.js';
import type { RevisionListener, SharedRevisions } from '../repositories.js';
import { announce, dedupeChanges, type ChangeListener } from '../changes.js';
import { startChangeBus, type ChangeBus } from './change-bus.js';
import { dropMirror, fetchDevice, loadMirror, nextMirrorPath, writeDevice } from './mirror.js';

const RETRY_MS = 1000;
const ALL: Change = { kind: 'all' };

interface Entry {
  changes: readonly Change[];
  /** The change-log seqs of these changes (none for a retry). */
  seqs: readonly number[];
  /** A write of this replica, a change the bus delivered, or a full reload after a failed refresh. */
  source: 'local' | 'bus' | 'retry';
}

/** A full reload and the `all` changes it answers. */
interface Reload {
  /** Run once the new mirror is in place. */
  waiters: Array<() => void>;
  /** Devices written to the old mirror while this one loads: written again into it before the swap. */
  touched: Set<string>;
  /** The lowest log seq of its `all`s: the ordered feed holds back later seqs until it is in place. */
  firstSeq: number;
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
  const ordered = new Set<RevisionListener>();
  /** Seqs one path took on and the other has not reached yet. */
  const done = new Set<number>();
  /** Seqs of `all`s waiting for a reload: the path that finds them done waits for the same reload. */
  const pendingAll = new Map<number, Promise<void>>();
  const deferred: Array<{ change: Change; seq: number }> = [];
  let queue: Promise<void> = Promise.resolve();
  let running: Reload | undefined;
  let next: Reload | undefined;
  let reloading: Promise<void> = Promise.resolve();
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
  let applied = bus.revision;

  function publish(change: Change, seq: number): void {
    if (seq <= applied) return;
    applied = seq;
    announce(ordered, [change], logger, seq);
  }

  /** The shared order: a change after a pending `all` waits for that reload. */
  function inOrder(change: Change, seq: number): void {
    if ([running, next].some((r) => r && r.firstSeq < seq)) deferred.push({ change, seq });
    else publish(change, seq);
  }

  function flushDeferred(): void {
    const held = deferred.splice(0).sort((a, b) => a.seq - b.seq);
    for (const entry of held) inOrder(entry.change, entry.seq);
  }

  async function reloadLoop(): Promise<void> {
    while (running && !closed) {
      const reload = running;
      let fresh: Database.Database | undefined;
      try {
        fresh = await loadMirror(pool, nextMirrorPath(options.path, db.name));
        while (reload.touched.size > 0) {
          const ids = [...reload.touched];
          reload.touched.clear();
          for (const id of ids) writeDevice(fresh, id, await fetchDevice(pool, fresh, id));
        }
      } catch (err) {
        if (fresh) dropMirror(fresh);
        logger?.error({ err }, 'registry mirror could not be reloaded from PostgreSQL; retrying');
        await sleep(RETRY_MS);
        continue;
      }
      const old = db;
      db = fresh;
      view = options.view(fresh);
      dropMirror(old);
      running = next;
      next = undefined;
      reload.waiters.forEach((waiter) => waiter());
      flushDeferred();
    }
  }

  function requestReload(firstSeq: number, waiter: () => void): void {
    if (!running) {
      running = { waiters: [waiter], touched: new Set(), firstSeq };
      reloading = reloadLoop();
      return;
    }
    next ??= { waiters: [], touched: new Set(), firstSeq };
    next.waiters.push(waiter);
    next.firstSeq = Math.min(next.firstSeq, firstSeq);
  }

  /** A failed refresh leaves the mirror behind PostgreSQL: reload it whole. */
  function retryLater(): void {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      void enqueue({ changes: [ALL], seqs: [], source: 'retry' });
    }, RETRY_MS);
    retry.unref();
  }

  /** Writes the device as PostgreSQL holds it into the mirror in use, fetching again if a reload swapped it meanwhile. */
  async function refresh(deviceId: string): Promise<void> {
    for (;;) {
      const target = db;
      const rows = await fetchDevice(pool, target, deviceId);
      if (target !== db) continue;
      writeDevice(db, deviceId, rows);
      running?.touched.add(deviceId);
      return;
    }
  }

  function startAll({ seqs, source }: Entry, finished: () => void): void {
    const completed = new Promise<void>((resolve) => {
      requestReload(seqs.length > 0 ? Math.min(...seqs) : Infinity, () => {
        seqs.forEach((s) => pendingAll.delete(s));
        announce(listeners, [ALL], logger);
        if (source === 'retry') publish(ALL, bus.revision);
        for (const s of seqs) publish(ALL, s);
        resolve();
      });
    });
    seqs.forEach((s) => pendingAll.set(s, completed));
    void completed.then(finished);
  }

  async function handle(entry: Entry, finished: () => void): Promise<void> {
    const { changes, seqs, source } = entry;
    if (closed) return finished();
    const all = dedupeChanges(changes).some((c) => c.kind === 'all');
    if (seqs.length > 0 && seqs.every((s) => done.has(s))) {
      seqs.forEach((s) => done.delete(s));
      const waiting = seqs.map((s) => pendingAll.get(s)).find((p) => p !== undefined);
      if (!all && source === 'bus') inOrder(changes[0]!, seqs[0]!);
      return void (waiting ?? Promise.resolve()).then(finished);
    }
    if (all) {
      seqs.forEach((s) => done.add(s));
      return startAll(entry, finished);
    }
    try {
      for (const change of dedupeChanges(changes)) if (change.kind === 'device') await refresh(change.deviceId);
    } catch (err) {
      logger?.error({ err }, 'registry mirror could not be refreshed from PostgreSQL; retrying with a full load');
      retryLater();
      return finished();
    }
    seqs.forEach((s) => (done.has(s) ? done.delete(s) : done.add(s)));
    announce(listeners, changes, logger);
    if (source === 'bus') inOrder(changes[0]!, seqs[0]!);
    finished();
  }

  function enqueue(entry: Entry): Promise<void> {
    return new Promise<void>((finished) => {
      queue = queue.then(() => handle(entry, finished)).catch((err: unknown) => {
        logger?.error({ err }, 'registry mirror update failed');
        finished();
      });
    });
  }

  bus.onChange((change, seq) => {
    // The bus delivers in seq order: what is far below it was reached by both paths or never will be.
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
      await reloading;
      dropMirror(db);
    },
  };
}
