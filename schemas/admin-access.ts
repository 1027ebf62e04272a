import { z } from 'zod';
import { AclAction, AclSubject, Permission } from './acl.js';
import { GroupName, IDENTIFIER_PATTERN, Qos } from './common.js';
import { isValidRuleTopic } from '../rules/index.js';
import { Timestamp } from './admin-common.js';


export const ExternalIssuerSchema = z
  .object({
    issuer: z.string().min(1).max(2048),
    jwksUrl: z.url({ protocol: /^https?$/ }),
    audience: z.string().min(1).max(2048).nullable().default(null),
    /** Pinned: a token signed with anything else is rejected. */
    algorithms: z.array(z.enum(['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])).min(1),
  })
  .strict();

export const GroupCreate = z
  .object({
    name: GroupName,
    description: z.string().max(1024).nullable().default(null),
    externalIssuer: ExternalIssuerSchema.nullable().default(null),
  })
  .strict();
export type GroupCreate = z.input<typeof GroupCreate>;

export const GroupPatch = z
  .object({
    description: z.string().max(1024).nullable().optional(),
    externalIssuer: ExternalIssuerSchema.nullable().optional(),
  })
  .strict();
export type GroupPatch = z.input<typeof GroupPatch>;

export const Group = z
  .object({
    name: GroupName,
    description: z.string().nullable(),
    externalIssuer: ExternalIssuerSchema.nullable(),
    createdAt: Timestamp,
  })
  .strict();
export type Group = z.infer<typeof Group>;

export const GroupParams = z.object({ name: GroupName }).strict();

/** `device:ID`, `group:NAME`, `all` or `anonymous`, as the list filter and the CLI write a subject. */
export const SubjectRef = z.string().transform((s, ctx): AclSubject => {
  if (s === 'all' || s === 'anonymous') return { kind: s };
  const [kind, name] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)];
  if ((kind === 'device' || kind === 'group') && IDENTIFIER_PATTERN.test(name)) {
    return kind === 'device' ? { kind, id: name } : { kind, name };
  }
  ctx.addIssue({ code: 'custom', message: 'must be device:ID, group:NAME, all or anonymous' });
  return z.NEVER;
});

const RuleTopic = z
  .string()
  .min(1)
  .max(65535)
  .refine(isValidRuleTopic, 'must be a topic filter; ${clientid}, ${username}, ${device} only as whole levels');

const QosList = z
  .array(Qos)
  .min(1)
  .max(3)
  .refine((q) => new Set(q).size === q.length, 'must not repeat a QoS');

const RuleFields = {
  subject: AclSubject,
  action: AclAction,
  topic: RuleTopic,
  /** Match the topic as literal text (wildcards included) instead of as a filter. */
  eq: z.boolean(),
  qos: QosList.nullable(), // null: any QoS
  retain: z.boolean().nullable(), // null: either retain flag
  permission: Permission,
  /** Lower runs first; ties are broken by rule id. */
  priority: z.number().int().min(-1_000_000).max(1_000_000),
};

export const RuleCreate = z
  .object({
    ...RuleFields,
    eq: RuleFields.eq.default(false),
    qos: RuleFields.qos.default(null),
    retain: RuleFields.retain.default(null),
    priority: RuleFields.priority.default(0),
  })
  .strict();
export type RuleCreate = z.input<typeof RuleCreate>;

/** Only the fields present change (no defaults here: a patch must not reset what it does not name). */
export const RulePatch = z.object(RuleFields).partial().strict();
export type RulePatch = z.input<typeof RulePatch>;

export const Rule = z
  .object({
    id: z.number().int(),
    subject: AclSubject,
    action: AclAction,
    topic: z.string(),
    eq: z.boolean(),
    qos: z.array(Qos).nullable(),
    retain: z.boolean().nullable(),
    permission: Permission,
    priority: z.number().int(),
    createdAt: Timestamp,
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

export const RuleListQuery = z.object({ subject: SubjectRef.optional() }).strict();
export type RuleListQuery = z.output<typeof RuleListQuery>;

export const RuleParams = z.object({ id: z.coerce.number().int().positive() }).strict();
