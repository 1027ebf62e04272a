/**
 * Groups and ACL rules on PostgreSQL, announced as the SQLite store announces them (a group change or
 * a rule for many devices: `all`; a rule for one device: that device); reads from the mirror.
 *
 * @module verifier/store/postgres/access
 */
import { ConflictError, NotFoundError } from '../../core/index.js';
import { groupColumns } from '../groups.js';
import type { GroupRepository, RuleRepository, RuleValues } from '../repositories.js';
import { toGroupView, toRuleView, type GroupRow, type RuleRow } from '../rows.js';
import { changeFor, ruleColumns } from '../rules.js';
import type { PgContext, PgTransaction } from './context.js';
import { ensureGroup, requireDevice } from './devices.js';
import { sqliteRow } from './pool.js';

async function loadGroup(tx: PgTransaction, name: string) {
  const [row] = await tx.rows<GroupRow>('SELECT * FROM groups WHERE name = @name', { name });
  if (!row) throw new NotFoundError(`group ${name} not found`);
  return toGroupView(row);
}

export function createPgGroupRepository({ write, now, mirror }: PgContext): GroupRepository {
  return {
    list: () => mirror().groups.list(),
    get: (name) => mirror().groups.get(name),

    async create(group) {
      return write(async (tx) => {
        if ((await tx.rows('SELECT 1 FROM groups WHERE name = @name', { name: group.name })).length > 0) {
          throw new ConflictError(`group ${group.name} already exists`);
        }
        await tx.run(`INSERT INTO groups (name, description, ext_issuer, ext_jwks_url, ext_audience, ext_algorithms, created_at)
          VALUES (@name, @description, @issuer, @jwksUrl, @audience, @algorithms, @now)`, { ...groupColumns(group.name, group), now: now() });
        tx.changed({ kind: 'all' });
        return loadGroup(tx, group.name);
      });
    },

    async update(name, merge) {
      return write(async (tx) => {
        await tx.run(`UPDATE groups SET description = @description, ext_issuer = @issuer, ext_jwks_url = @jwksUrl,
          ext_audience = @audience, ext_algorithms = @algorithms WHERE name = @name`, groupColumns(name, merge(await loadGroup(tx, name))));
        tx.changed({ kind: 'all' });
        return loadGroup(tx, name);
      });
    },

    async remove(name) {
      await write(async (tx) => {
        if ((await tx.run('DELETE FROM groups WHERE name = @name', { name })) === 0) throw new NotFoundError(`group ${name} not found`);
        tx.changed({ kind: 'all' });
      });
    },
  };
}

async function loadRule(tx: PgTransaction, id: number) {
  const [row] = await tx.rows<Record<string, unknown>>('SELECT * FROM acl_rules WHERE id = @id', { id });
  if (!row) throw new NotFoundError(`rule ${id} not found`);
  return toRuleView(sqliteRow<RuleRow>(row));
}

/** Checks the subject can hold rules (a group is created on first use), then the column values. */
async function columns(tx: PgTransaction, rule: RuleValues, at: number) {
  const { subject } = rule;
  if (subject.kind === 'device') await requireDevice(tx, subject.id);
  if (subject.kind === 'group') await ensureGroup(tx, subject.name, at);
  return ruleColumns(rule);
}

export function createPgRuleRepository({ write, now, mirror }: PgContext): RuleRepository {
  return {
    list: (subject) => mirror().rules.list(subject),
    get: (id) => mirror().rules.get(id),

    async create(rule) {
      return write(async (tx) => {
        const at = now();
        const [row] = await tx.rows<{ id: number }>(`INSERT INTO acl_rules
          (subject_kind, device_id, group_name, action, topic, eq, qos, retain, permission, priority, created_at)
          VALUES (@kind, @deviceId, @groupName, @action, @topic, @eq, @qos, @retain, @permission, @priority, @now) RETURNING id`,
        { ...(await columns(tx, rule, at)), now: at });
        tx.changed(changeFor(rule.subject));
        return loadRule(tx, row!.id);
      });
    },

    async update(id, merge) {
      return write(async (tx) => {
        const { id: _id, createdAt: _createdAt, ...current } = await loadRule(tx, id);
        const next = merge(current);
        await tx.run(`UPDATE acl_rules SET subject_kind = @kind, device_id = @deviceId, group_name = @groupName,
          action = @action, topic = @topic, eq = @eq, qos = @qos, retain = @retain, permission = @permission,
          priority = @priority WHERE id = @id`, { ...(await columns(tx, next, now())), id });
        tx.changed(changeFor(current.subject));
        tx.changed(changeFor(next.subject));
        return loadRule(tx, id);
      });
    },

    async remove(id) {
      await write(async (tx) => {
        const rule = await loadRule(tx, id);
        await tx.run('DELETE FROM acl_rules WHERE id = @id', { id });
        tx.changed(changeFor(rule.subject));
      });
    },
  };
}
