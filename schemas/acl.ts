import { z } from 'zod';
import { DeviceId, GroupName } from './common.js';

export const AclAction = z.enum(['publish', 'subscribe', 'all']);
export type AclAction = z.infer<typeof AclAction>;
export const Permission = z.enum(['allow', 'deny']);
export type Permission = z.infer<typeof Permission>;

/** Who a rule is for: one device, every member of a group, every authenticated device, or anonymous clients. */
export const AclSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('device'), id: DeviceId }).strict(),
  z.object({ kind: z.literal('group'), name: GroupName }).strict(),
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('anonymous') }).strict(),
]);
export type AclSubject = z.infer<typeof AclSubject>;

/** One rule with placeholders substituted for one connection; the first that matches decides. */
export const CompiledAclRule = z
  .object({
    permission: Permission,
    action: AclAction,
    /** A topic filter; with `eq` the literal text, not a wildcard pattern. */
    topic: z.string().min(1).max(65535),
    eq: z.boolean().default(false),
    qos: z.array(z.union([z.literal(0), z.literal(1), z.literal(2)])).optional(),
    retain: z.boolean().optional(),
  })
  .strict();
export type CompiledAclRule = z.infer<typeof CompiledAclRule>;

export const CompiledAcl = z
  .object({
    rules: z.array(CompiledAclRule),
    /** What applies when no rule matches (the verifier's `ARRA_ACL_NO_MATCH`, deny by default). */
    noMatch: Permission,
  })
  .strict();
export type CompiledAcl = z.infer<typeof CompiledAcl>;
