/**
 * ACL rules CRUD. A rule for one device announces that device; a rule for a group, for every device or
 * for anonymous clients announces `{kind:'all'}`. Moving a rule between subjects announces both sides.
 * A device subject must exist (its rules die with it); a group subject is created on first use.
 *
 * @module verifier/store/rules
 */
import type { AclSubject } from '../../schemas/acl.js';
import { RuleCreate, RuleListQuery, RulePatch, RuleParams, type Rule } from '../../schemas/admin.js';
import type { Change } from '../core/index.js';
import type { StoreContext } from './context.js';
import { NotFoundError } from './errors.js';
import { toRuleView, type RuleRow } from './rows.js';
import { parseInput } from './validate.js';

export interface RuleOps {
  createRule(input: RuleCreate): Rule;
  /** `query.subject` accepts `device:ID`, `group:NAME`, `all`, `anonymous`. */
  listRules(query?: { subject?: string }): Rule[];
  getRule(id: number): Rule;
  patchRule(id: number, patch: RulePatch): Rule;
  deleteRule(id: number): void;
}

type RuleValues = ReturnType<typeof RuleCreate.parse>;

export function createRuleOps({ db, writer, now, lookups }: StoreContext): RuleOps {
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

  return {
    createRule(input) {
      const rule = parseInput(RuleCreate, input);
      return writer.write((tx) => {
        const at = now();
        const id = Number(insert.run({ ...columns(rule, at), now: at }).lastInsertRowid);
        tx.changed(changeFor(rule.subject));
        return load(id);
      });
    },

    listRules(query = {}) {
      const { subject } = parseInput(RuleListQuery, query);
      const name = subject?.kind === 'device' ? subject.id : subject?.kind === 'group' ? subject.name : null;
      return (list.all({ kind: subject?.kind ?? null, name }) as RuleRow[]).map(toRuleView);
    },

    getRule(id) {
      return load(parseInput(RuleParams, { id }).id);
    },

    patchRule(id, input) {
      const params = parseInput(RuleParams, { id });
      const patch = parseInput(RulePatch, input);
      return writer.write((tx) => {
        const { id: _id, createdAt: _createdAt, ...current } = load(params.id);
        // Re-validate the merged rule: a patch of one field must not produce an invalid whole.
        const next = parseInput(RuleCreate, { ...current, ...patch });
        update.run({ ...columns(next, now()), id: params.id });
        tx.changed(changeFor(current.subject));
        tx.changed(changeFor(next.subject));
        return load(params.id);
      });
    },

    deleteRule(id) {
      const params = parseInput(RuleParams, { id });
      writer.write((tx) => {
        const rule = load(params.id);
        remove.run(params.id);
        tx.changed(changeFor(rule.subject));
      });
    },
  };
}

function changeFor(subject: AclSubject): Change {
  return subject.kind === 'device' ? { kind: 'device', deviceId: subject.id } : { kind: 'all' };
}
