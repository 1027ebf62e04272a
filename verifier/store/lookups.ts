/**
 * Existence checks every group of operations needs, prepared once: does a device exist (else
 * `not_found`), and make sure a group row exists for a name used in a membership or rule.
 *
 * @module verifier/store/lookups
 */
import type { Database } from 'better-sqlite3';
import { NotFoundError } from './errors.js';

export interface Lookups {
  deviceExists(id: string): boolean;
  /** Throws `NotFoundError` naming the device. */
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
