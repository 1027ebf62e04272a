/**
 * Group membership writes shared by device create/patch and bulk import. A group named in a membership
 * is created on first use: groups are labels first, and only carry metadata (description, external
 * issuer) when an operator adds it.
 *
 * @module verifier/store/membership
 */
import type { Database } from 'better-sqlite3';

export interface Membership {
  /** Replaces the device's groups with `groups`; call inside a write transaction. */
  set(deviceId: string, groups: readonly string[], now: number): void;
}

export function createMembership(db: Database): Membership {
  const ensureGroup = db.prepare('INSERT INTO groups (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING');
  const clear = db.prepare('DELETE FROM device_groups WHERE device_id = ?');
  const add = db.prepare('INSERT INTO device_groups (device_id, group_name) VALUES (?, ?)');
  return {
    set(deviceId, groups, now) {
      clear.run(deviceId);
      for (const name of groups) {
        ensureGroup.run(name, now);
        add.run(deviceId, name);
      }
    },
  };
}
