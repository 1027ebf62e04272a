/**
 * Groups: a name devices belong to, optionally with a description and an external token issuer its
 * members may present. Any group change can alter many devices' decisions, so every write announces
 * `{kind:'all'}`. Deleting a group drops its memberships and its rules (foreign keys cascade).
 *
 * @module verifier/store/groups
 */
import { GroupCreate, GroupParams, GroupPatch, type Group } from '../../schemas/admin.js';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from './errors.js';
import { toGroupView, type GroupRow } from './rows.js';
import { parseInput } from './validate.js';

export interface GroupOps {
  createGroup(input: GroupCreate): Group;
  listGroups(): Group[];
  getGroupView(name: string): Group;
  patchGroup(name: string, patch: GroupPatch): Group;
  deleteGroup(name: string): void;
}

type IssuerInput = Group['externalIssuer'];

function issuerColumns(issuer: IssuerInput) {
  return {
    issuer: issuer?.issuer ?? null,
    jwksUrl: issuer?.jwksUrl ?? null,
    audience: issuer?.audience ?? null,
    algorithms: issuer ? JSON.stringify(issuer.algorithms) : null,
  };
}

export function createGroupOps({ db, writer, now }: StoreContext): GroupOps {
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
    createGroup(input) {
      const group = parseInput(GroupCreate, input);
      return writer.write((tx) => {
        if (select.get(group.name)) throw new ConflictError(`group ${group.name} already exists`);
        insert.run({ name: group.name, description: group.description, ...issuerColumns(group.externalIssuer), now: now() });
        tx.changed({ kind: 'all' });
        return load(group.name);
      });
    },

    listGroups() {
      return (all.all() as GroupRow[]).map(toGroupView);
    },

    getGroupView(name) {
      return load(parseInput(GroupParams, { name }).name);
    },

    patchGroup(name, input) {
      const params = parseInput(GroupParams, { name });
      const patch = parseInput(GroupPatch, input);
      return writer.write((tx) => {
        const next = { ...load(params.name), ...patch };
        update.run({ name: params.name, description: next.description, ...issuerColumns(next.externalIssuer) });
        tx.changed({ kind: 'all' });
        return load(params.name);
      });
    },

    deleteGroup(name) {
      const params = parseInput(GroupParams, { name });
      writer.write((tx) => {
        if (remove.run(params.name).changes === 0) throw new NotFoundError(`group ${params.name} not found`);
        tx.changed({ kind: 'all' });
      });
    },
  };
}
