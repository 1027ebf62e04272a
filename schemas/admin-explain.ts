/**
 * Admin API contracts for "why was this refused?": the explainer (`POST /v1/admin/explain`) and the
 * record of recent decisions (`GET /v1/admin/decisions`). Re-exported by `schemas/admin`.
 *
 * @module schemas/admin-explain
 */
import { z } from 'zod';
import { AclAction, AclSubject, Permission } from './acl.js';
import { DeviceId, Qos } from './common.js';
import { DenyReason } from './decision.js';

export const ExplainRequest = z
  .object({
    /** null: an anonymous client. */
    deviceId: DeviceId.nullable(),
    /** Default: the device id (what `${clientid}` becomes). */
    clientId: z.string().max(65535).optional(),
    /** Default: the device id (what `${username}` becomes). */
    username: z.string().max(65535).optional(),
    action: z.enum(['publish', 'subscribe']),
    topic: z.string().min(1).max(65535),
    qos: Qos.optional(),
    retain: z.boolean().optional(),
    /**
     * Who enforces: `webhook` (NanoMQ, EMQX, go-auth, `/v1/authorize`) refuses a subscription a deny
     * rule overlaps; `bundled` grants it and checks each delivery.
     */
    broker: z.enum(['webhook', 'bundled']).default('webhook'),
  })
  .strict();
export type ExplainRequest = z.input<typeof ExplainRequest>;

export const RuleOutcome = z.enum([
  'not_applicable', // read, did not apply
  'overlaps', // a deny that overlaps the filter; the bundled broker checks each delivery against it
  'decided',
  'not_reached', // after the deciding rule
  'dropped', // an allow whose placeholder had no safe value
]);
export type RuleOutcome = z.infer<typeof RuleOutcome>;

export const ExplainedRule = z
  .object({
    id: z.number().int(),
    priority: z.number().int(),
    subject: AclSubject,
    permission: Permission,
    action: AclAction,
    /** As stored, placeholders included. */
    pattern: z.string(),
    /** The filters it became for this identity (a deny with an unsafe placeholder denies `#`). */
    substituted: z.array(z.string()),
    eq: z.boolean(),
    outcome: RuleOutcome,
  })
  .strict();
export type ExplainedRule = z.infer<typeof ExplainedRule>;

export const Explanation = z
  .object({
    allow: z.boolean(),
    reason: DenyReason.nullable(),
    message: z.string(),
    /** The topic the rules judged (a `$share/group/` prefix removed). */
    topic: z.string().nullable(),
    identity: z
      .object({ deviceId: z.string().nullable(), enabled: z.boolean(), superuser: z.boolean(), groups: z.array(z.string()) })
      .strict()
      .nullable(),
    placeholders: z.object({ clientid: z.string().nullable(), username: z.string().nullable(), device: z.string().nullable() }).strict(),
    /** Every rule for this identity in evaluation order, with what it did to the request. */
    rules: z.array(ExplainedRule),
    /** The id of the rule that decided; null when `ARRA_ACL_NO_MATCH` (or no ACL step) did. */
    decidingRule: z.number().int().nullable(),
    /** SUBSCRIBE: allow rules that match part of the filter only, with a topic of it they do not match. */
    uncovered: z.array(z.object({ ruleId: z.number().int(), topic: z.string(), example: z.string().nullable() }).strict()),
  })
  .strict();
export type Explanation = z.infer<typeof Explanation>;
