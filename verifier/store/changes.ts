/**
 * Registry writes and the change events they cause. A write runs in one SQLite transaction and records
 * the changes it makes; listeners hear about them only after COMMIT returned, so a cache that reloads
 * on an event always sees the new state, and a rolled-back write announces nothing.
 *
 * @module verifier/store/changes
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Change } from '../core/index.js';

export type ChangeListener = (change: Change) => void;

/** What a write step gets: `changed` queues an event to emit after commit. */
export interface WriteContext {
  changed(change: Change): void;
}

export interface Writer {
  /** Runs `fn` in one IMMEDIATE transaction (so concurrent writers queue rather than deadlock). */
  write<T>(fn: (ctx: WriteContext) => T): T;
  onChange(listener: ChangeListener): () => void;
}

export interface WriterOptions {
  logger?: Logger;
  /** Runs before every transaction; throwing refuses the write (the registry file is gone). */
  beforeWrite?: () => void;
}

export function createWriter(db: Database, { logger, beforeWrite }: WriterOptions = {}): Writer {
  const listeners = new Set<ChangeListener>();

  const emit = (changes: Change[]) => announce(listeners, changes, logger);

  return {
    write<T>(fn: (ctx: WriteContext) => T): T {
      beforeWrite?.();
      const pending: Change[] = [];
      const result = db.transaction(() => fn({ changed: (c) => pending.push(c) })).immediate();
      emit(pending);
      return result;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Tells every listener of each change (deduplicated); one that throws is logged and the others still hear it. */
export function announce(listeners: Iterable<(change: Change, revision: number) => void>, changes: readonly Change[], logger?: Logger, revision = 0): void {
  for (const change of dedupeChanges(changes)) {
    for (const listener of listeners) {
      try {
        listener(change, revision);
      } catch (err) {
        // A broken listener must not undo or hide a committed write from the other listeners.
        logger?.error({ err, change }, 'registry change listener threw');
      }
    }
  }
}

/** One `all` supersedes every device event; otherwise one event per device, in first-seen order. */
export function dedupeChanges(changes: readonly Change[]): Change[] {
  if (changes.some((c) => c.kind === 'all')) return [{ kind: 'all' }];
  const seen = new Set<string>();
  return changes.filter((c) => c.kind === 'device' && !seen.has(c.deviceId) && seen.add(c.deviceId));
}
