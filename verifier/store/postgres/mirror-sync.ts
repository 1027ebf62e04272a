/**
 * Keeps a replica's mirror fresh from its own writes (before the admin call returns) and the change
 * bus, each change once, by whichever path reaches the queue first; listeners hear it once the mirror
 * shows it. Device changes (an import's included) refresh those devices' rows, a log page's worth per
 * snapshot; an `all` refreshes the rows no device owns (groups, shared rules). Only a gap in the log or
 * a failed refresh reloads the whole mirror, beside the queue, so device changes are not held behind it.
 *
 * @module verifier/store/postgres/mirror-sync
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Change } from '../../core/index.js';
import type { RevisionListener, SharedRevisions } from '../repositories.js';
import { announce, type ChangeListener } from '../changes.js';
import { changeLogRows, startChangeBus, type ChangeBus } from './change-bus.js';
import { DEVICE_CHUNK, dropMirror, fetchDevices, fetchShared, loadMirror, nextMirrorPath, writeDevices, writeShared } from './mirror.js';

const RETRY_MS = 1000;
const ALL: Change = { kind: 'all' };
/** How far below the bus's position a seq one path took on is forgotten (both paths passed it, or one never will). */
const DONE_KEPT = 10_000;

interface Item {
  change: Change;
  /** Its change-log seq (none for a retry). */
  seq?: number;
  /** An `all` for a gap in the log: nothing says what changed. */
  gap?: boolean;
}

/** One write's changes (devices, then an `all`), or one log page's device changes, or one `all`, in seq order. */
interface Entry {
  items: readonly Item[];
  /** A write of this replica, changes the bus delivered, or a full reload after a failed refresh. */
  source: 'local' | 'bus' | 'retry';
}

/** A full reload and the `all` changes it answers. */
interface Reload {
  /** Run once the new mirror is in place. */
  waiters: Array<() => void>;
  /** Devices written to the old mirror while this one loads: written again into it before the swap. */
  touched: Set<string>;
  /** The shared rows were written to the old mirror meanwhile: written again too. */
  sharedTouched: boolean;
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
  const deferred: Array<{ change: Change; seq: number }> = [];
  /** The bus delivers a log page at once: its device changes become one entry, an `all` one of its own. */
  let page: Item[] = [];
  let queue: Promise<void> = Promise.resolve();
  let running: Reload | undefined;
  let next: Reload | undefined;
  let reloading: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  // The bus first: it starts at the log's end, and the snapshot loaded next holds at least that much.
  // What it delivers during the load waits in the queue behind the load.
  const onKeysChanged = () => keyListeners.forEach((listener) => listener());
  const bus: ChangeBus = await startChangeBus({ url: options.url, logger, onKeysChanged });
  bus.onChange(fromBus);
  let applied = bus.revision;
  const loading = loadMirror(pool, options.path);
  queue = loading.then(() => undefined, () => undefined);
  let db: Database.Database;
  try {
    db = await loading;
  } catch (err) {
    closed = true;
    await bus.close();
    throw err;
  }
  let view = options.view(db);

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
      const started = Date.now();
      try {
        fresh = await loadMirror(pool, nextMirrorPath(options.path, db.name));
        while (reload.touched.size > 0 || reload.sharedTouched) {
          if (reload.sharedTouched) {
            reload.sharedTouched = false;
            writeShared(fresh, await fetchShared(pool, fresh));
          }
          const ids = [...reload.touched].slice(0, DEVICE_CHUNK);
          ids.forEach((id) => reload.touched.delete(id));
          if (ids.length > 0) writeDevices(fresh, await fetchDevices(pool, fresh, ids));
        }
      } catch (err) {
        if (fresh) dropMirror(fresh);
        logger?.error({ err }, 'registry mirror could not be reloaded from PostgreSQL; retrying');
        await sleep(RETRY_MS);
        continue;
      }
      logger?.info({ ms: Date.now() - started }, 'registry mirror reloaded whole from PostgreSQL');
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
      running = { waiters: [waiter], touched: new Set(), sharedTouched: false, firstSeq };
      reloading = reloadLoop();
      return;
    }
    next ??= { waiters: [], touched: new Set(), sharedTouched: false, firstSeq };
    next.waiters.push(waiter);
    next.firstSeq = Math.min(next.firstSeq, firstSeq);
  }

  /** A failed refresh leaves the mirror behind PostgreSQL: reload it whole. */
  function retryLater(): void {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      void enqueue({ items: [{ change: ALL }], source: 'retry' });
    }, RETRY_MS);
    retry.unref();
  }

  /** Writes what `fetch` reads from PostgreSQL into the mirror in use, fetching again if a reload swapped it meanwhile. */
  async function refresh<R>(fetch: (target: Database.Database) => Promise<R>, write: (target: Database.Database, rows: R) => void): Promise<void> {
    for (;;) {
      const target = db;
      const rows = await fetch(target);
      if (target !== db) continue;
      write(db, rows);
      return;
    }
  }

  function startAll(seq: number | undefined, source: Entry['source'], finished: () => void): void {
    requestReload(seq ?? Infinity, () => {
      announce(listeners, [ALL], logger);
      publish(ALL, source === 'retry' ? bus.revision : seq!);
      finished();
    });
  }

  /** `refresh`; when PostgreSQL cannot be read, a full load later instead, and false. */
  async function refreshOrRetry<R>(fetch: (target: Database.Database) => Promise<R>, write: (target: Database.Database, rows: R) => void): Promise<boolean> {
    try {
      await refresh(fetch, write);
      return true;
    } catch (err) {
      logger?.error({ err }, 'registry mirror could not be refreshed from PostgreSQL; retrying with a full load');
      retryLater();
      return false;
    }
  }

  /** Refreshes the devices the other path has not taken on, a chunk per snapshot, telling listeners after each. */
  async function handleDevices(items: readonly Item[], source: Entry['source'], tell: boolean): Promise<void> {
    const fresh = items.filter((item) => item.seq === undefined || !done.delete(item.seq));
    for (let start = 0; start < fresh.length; start += DEVICE_CHUNK) {
      const chunk = fresh.slice(start, start + DEVICE_CHUNK);
      const ids = chunk.map(({ change }) => (change as Extract<Change, { kind: 'device' }>).deviceId);
      if (!(await refreshOrRetry((target) => fetchDevices(pool, target, ids), writeDevices))) return;
      ids.forEach((id) => running?.touched.add(id));
      chunk.forEach(({ seq }) => seq !== undefined && done.add(seq));
      if (tell) announce(listeners, chunk.map(({ change }) => change), logger);
    }
    if (source === 'bus') items.forEach(({ change, seq }) => inOrder(change, seq!));
  }

  /** An `all` of a write: groups and shared rules changed; every decision may have. */
  async function handleShared(seq: number | undefined, source: Entry['source']): Promise<void> {
    if (seq === undefined || !done.delete(seq)) {
      if (!(await refreshOrRetry((target) => fetchShared(pool, target), writeShared))) return;
      if (running) running.sharedTouched = true;
      if (seq !== undefined) done.add(seq);
      announce(listeners, [ALL], logger);
    }
    if (source === 'bus') inOrder(ALL, seq!);
  }

  async function handle({ items, source }: Entry, finished: () => void): Promise<void> {
    if (closed) return finished();
    const all = items.find((item) => item.change.kind === 'all');
    if (all && (source === 'retry' || all.gap)) return startAll(all.seq, source, finished);
    // A write's `all` supersedes its device changes for listeners, as on SQLite.
    await handleDevices(all ? items.filter((item) => item !== all) : items, source, !all);
    if (all) await handleShared(all.seq, source);
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

  function flushPage(): void {
    if (page.length === 0) return;
    const items = page;
    page = [];
    for (const s of done) if (s < items[0]!.seq! - DONE_KEPT) done.delete(s);
    void enqueue({ items, source: 'bus' });
  }

  function fromBus(change: Change, seq: number, gap: boolean): void {
    if (change.kind === 'all') {
      flushPage();
      void enqueue({ items: [{ change, seq, gap }], source: 'bus' });
      return;
    }
    if (page.length === 0) queueMicrotask(flushPage);
    page.push({ change, seq });
  }

  return {
    view: () => view,
    applyLocal(changes, seqs) {
      if (changes.length === 0) return Promise.resolve();
      const items = changeLogRows(changes).map((id, i) => ({ change: id === null ? ALL : { kind: 'device' as const, deviceId: id }, seq: seqs[i] }));
      return enqueue({ items, source: 'local' });
    },
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
