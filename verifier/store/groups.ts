/**
 * Groups on SQLite. A group change can alter many devices' decisions, so every write announces
 * `{kind:'all'}`; deleting a group cascades to its memberships and rules.
 *
 * @module verifier/store/groups
 */
import type { Group } from '../../schemas/admin.js';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from '../core/index.js';
import type { GroupRepository } from './repositories.js';
import { toGroupView, type GroupRow } from './rows.js';

/** A group's column values. */
export function groupColumns(name: string, group: { description: string | null; externalIssuer: Group['externalIssuer'] }) {
  const issuer = group.externalIssuer;
  return {
    name,
    description: group.description,
    issuer: issuer?.issuer ?? null,
    jwksUrl: issuer?.jwksUrl ?? null,
    audience: issuer?.audience ?? null,
    algorithms: issuer ? JSON.stringify(issuer.algorithms) : null,
  };
}

export function createGroupRepository({ db, writer, now }: StoreContext): GroupRepository {
  const select = db.prepare('SELECT * FROM groups WHERE name = ?');
  const all = db.prepare('SELECT * FROM groups ORDER BY name');
  const insert = db.prepare(`INSERT INTO groups
    (name, description, ext_issuer, ext_jwks_url, ext_audience, ext_algorithms, created_at)
    VALUES (@name, @description, @issuer, @jwksUrl, @audience, @algorithms, @now)`);
  const update = db.prepare(`UPDATE groups SET description = @description, ext_issuer = @issuer,
    ext_jwks_url = @jwksUrl, ext_audience = @audience, ext_algorithms = @algorithms WHERE name = @name`);
  const remove = db.prepare('DELETE FROM groups WHERE name = ?');

  function load(name: string): Group {
    const row = select.get(name) as GroupRow | undefined;
    if (!row) throw new NotFoundError(`group ${name} not found`);
    return toGroupView(row);
  }

  return {
    async create(group) {
      return writer.write((tx) => {
        if (select.get(group.name)) throw new ConflictError(`group ${group.name} already exists`);
        insert.run({ ...groupColumns(group.name, group), now: now() });
        tx.changed({ kind: 'all' });
        return load(group.name);
      });
    },

    async list() {
      return (all.all() as GroupRow[]).map(toGroupView);
    },

    async get(name) {
      return load(name);
    },

    async update(name, merge) {
      return writer.write((tx) => {
        update.run(groupColumns(name, merge(load(name))));
        tx.changed({ kind: 'all' });
        return load(name);
      });
    },

    async remove(name) {
      writer.write((tx) => {
        if (remove.run(name).changes === 0) throw new NotFoundError(`group ${name} not found`);
        tx.changed({ kind: 'all' });
      });
    },
  };
}
