/**
 * Existence checks the repositories share, prepared once.
 *
 * @module verifier/store/lookups
 */
import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../core/index.js';

export interface Lookups {
  deviceExists(id: string): boolean;
  requireDevice(id: string): void;
  /** Groups are labels first: one named in a membership or rule is created on first use. */
  ensureGroup(name: string, now: number): void;
}

export function createLookups(db: Database): Lookups {
  const device = db.prepare('SELECT 1 FROM devices WHERE id = ?').pluck();
  const group = db.prepare('INSERT INTO groups (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING');
  const deviceExists = (id: string) => device.get(id) !== undefined;
  return {
    deviceExists,
    requireDevice(id) {
      if (!deviceExists(id)) throw new NotFoundError(`device ${id} not found`);
    },
    ensureGroup(name, now) {
      group.run(name, now);
    },
  };
}
