/**
 * Group and ACL rule use cases. A patched rule is validated whole: a patch of one field must not
 * produce an invalid rule.
 */
import type { z } from 'zod';
import { RuleCreate, RuleListQuery, type Group, type GroupPatch, type Rule, type RulePatch } from '../../schemas/admin.js';
import { ValidationError, type GroupValues, type RuleValues } from '../store/index.js';
import type { AdminContext } from './context.js';

export type GroupPatchValues = z.output<typeof GroupPatch>;
export type RulePatchValues = z.output<typeof RulePatch>;

export interface AccessAdmin {
  createGroup(group: GroupValues): Promise<Group>;
  listGroups(): Promise<Group[]>;
  getGroupView(name: string): Promise<Group>;
  patchGroup(name: string, patch: GroupPatchValues): Promise<Group>;
  deleteGroup(name: string): Promise<void>;
  createRule(rule: RuleValues): Promise<Rule>;
  /** `query.subject` as the operator writes it: `device:ID`, `group:NAME`, `all`, `anonymous`. */
  listRules(query?: { subject?: string | undefined }): Promise<Rule[]>;
  getRule(id: number): Promise<Rule>;
  patchRule(id: number, patch: RulePatchValues): Promise<Rule>;
  deleteRule(id: number): Promise<void>;
}

export function createAccessAdmin({ store: { groups, rules } }: AdminContext): AccessAdmin {
  return {
    createGroup: (group) => groups.create(group),
    listGroups: () => groups.list(),
    getGroupView: (name) => groups.get(name),
    patchGroup: (name, patch) =>
      groups.update(name, (current) => {
        const { description, externalIssuer } = { ...current, ...patch };
        return { description, externalIssuer };
      }),
    deleteGroup: (name) => groups.remove(name),
    createRule: (rule) => rules.create(rule),
    listRules: async (query = {}) => rules.list(parse(RuleListQuery, query).subject),
    getRule: (id) => rules.get(id),
    patchRule: (id, patch) => rules.update(id, (current) => parse(RuleCreate, { ...current, ...patch })),
    deleteRule: (id) => rules.remove(id),
  };
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

function validationError(error: z.ZodError): ValidationError {
  const fields = error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  return new ValidationError(fields[0] ? `${fields[0].path || 'body'}: ${fields[0].message}` : 'invalid input', fields, { cause: error });
}
