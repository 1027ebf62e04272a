/**
 * ACL rules on SQLite. A rule for one device announces that device; a rule for a group, for every
 * device or for anonymous clients announces `{kind:'all'}`; moving a rule announces both subjects.
 *
 * @module verifier/store/rules
 */
import type { AclSubject } from '../../schemas/acl.js';
import type { Rule } from '../../schemas/admin.js';
import type { Change } from '../core/index.js';
import type { StoreContext } from './context.js';
import { NotFoundError } from '../core/index.js';
import type { RuleRepository, RuleValues } from './repositories.js';
import { toRuleView, type RuleRow } from './rows.js';

export function createRuleRepository({ db, writer, now, lookups }: StoreContext): RuleRepository {
  const select = db.prepare('SELECT * FROM acl_rules WHERE id = ?');
  const list = db.prepare(`SELECT * FROM acl_rules WHERE @kind IS NULL OR (subject_kind = @kind
    AND (@kind NOT IN ('device', 'group') OR device_id = @name OR group_name = @name)) ORDER BY priority, id`);
  const insert = db.prepare(`INSERT INTO acl_rules
    (subject_kind, device_id, group_name, action, topic, eq, qos, retain, permission, priority, created_at)
    VALUES (@kind, @deviceId, @groupName, @action, @topic, @eq, @qos, @retain, @permission, @priority, @now)`);
  const update = db.prepare(`UPDATE acl_rules SET subject_kind = @kind, device_id = @deviceId,
    group_name = @groupName, action = @action, topic = @topic, eq = @eq, qos = @qos, retain = @retain,
    permission = @permission, priority = @priority WHERE id = @id`);
  const remove = db.prepare('DELETE FROM acl_rules WHERE id = ?');

  function load(id: number): Rule {
    const row = select.get(id) as RuleRow | undefined;
    if (!row) throw new NotFoundError(`rule ${id} not found`);
    return toRuleView(row);
  }

  /** Checks the subject can hold rules and turns a rule into its column values. */
  function columns(rule: RuleValues, at: number) {
    const { subject } = rule;
    if (subject.kind === 'device') lookups.requireDevice(subject.id);
    if (subject.kind === 'group') lookups.ensureGroup(subject.name, at);
    return ruleColumns(rule);
  }

  return {
    async create(rule) {
      return writer.write((tx) => {
        const at = now();
        const id = Number(insert.run({ ...columns(rule, at), now: at }).lastInsertRowid);
        tx.changed(changeFor(rule.subject));
        return load(id);
      });
    },

    async list(subject) {
      const name = subject?.kind === 'device' ? subject.id : subject?.kind === 'group' ? subject.name : null;
      return (list.all({ kind: subject?.kind ?? null, name }) as RuleRow[]).map(toRuleView);
    },

    async get(id) {
      return load(id);
    },

    async update(id, merge) {
      return writer.write((tx) => {
        const { id: _id, createdAt: _createdAt, ...current } = load(id);
        const next = merge(current);
        update.run({ ...columns(next, now()), id });
        tx.changed(changeFor(current.subject));
        tx.changed(changeFor(next.subject));
        return load(id);
      });
    },

    async remove(id) {
      writer.write((tx) => {
        const rule = load(id);
        remove.run(id);
        tx.changed(changeFor(rule.subject));
      });
    },
  };
}

/** A rule's column values (flags as 0/1, which PostgreSQL's BOOLEAN also reads). */
export function ruleColumns(rule: RuleValues) {
  const { subject } = rule;
  return {
    kind: subject.kind,
    deviceId: subject.kind === 'device' ? subject.id : null,
    groupName: subject.kind === 'group' ? subject.name : null,
    action: rule.action,
    topic: rule.topic,
    eq: Number(rule.eq),
    qos: rule.qos === null ? null : JSON.stringify([...rule.qos].sort()),
    retain: rule.retain === null ? null : Number(rule.retain),
    permission: rule.permission,
    priority: rule.priority,
  };
}

export function changeFor(subject: AclSubject): Change {
  return subject.kind === 'device' ? { kind: 'device', deviceId: subject.id } : { kind: 'all' };
}
