/**
 * Group membership writes shared by devices and import; a group is created on first use.
 *
 * @module verifier/store/membership
 */
import type { StoreContext } from './context.js';

export interface Membership {
  /** Replaces the device's groups with `groups`; call inside a write transaction. */
  set(deviceId: string, groups: readonly string[], now: number): void;
}

export function createMembership({ db, lookups }: StoreContext): Membership {
  const clear = db.prepare('DELETE FROM device_groups WHERE device_id = ?');
  const add = db.prepare('INSERT INTO device_groups (device_id, group_name) VALUES (?, ?)');
  return {
    set(deviceId, groups, now) {
      clear.run(deviceId);
      for (const name of groups) {
        lookups.ensureGroup(name, now);
        add.run(deviceId, name);
      }
    },
  };
}
