import { z } from 'zod';
import { AclAction, AclSubject, Permission } from './acl.js';
import { DeviceId, Qos } from './common.js';
import { DenyReason } from './decision.js';

export const ExplainRequest = z
  .object({
    deviceId: DeviceId.nullable(), // null: an anonymous client
    clientId: z.string().max(65535).optional(), // default: the device id
    username: z.string().max(65535).optional(), // default: the device id
    action: z.enum(['publish', 'subscribe']),
    topic: z.string().min(1).max(65535),
    qos: Qos.optional(),
    retain: z.boolean().optional(),
    /** `webhook` refuses a subscription a deny rule overlaps; `bundled` grants it and checks each delivery. */
    broker: z.enum(['webhook', 'bundled']).default('webhook'),
  })
  .strict();
export type ExplainRequest = z.input<typeof ExplainRequest>;

export const RuleOutcome = z.enum([
  'not_applicable',
  'overlaps', // a deny that overlaps the filter; the bundled broker checks each delivery against it
  'decided',
  'not_reached',
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
    topic: z.string().nullable(), // a `$share/group/` prefix removed
    identity: z
      .object({ deviceId: z.string().nullable(), enabled: z.boolean(), superuser: z.boolean(), groups: z.array(z.string()) })
      .strict()
      .nullable(),
    placeholders: z.object({ clientid: z.string().nullable(), username: z.string().nullable(), device: z.string().nullable() }).strict(),
    rules: z.array(ExplainedRule),
    /** The id of the rule that decided; null when `ARRA_ACL_NO_MATCH` (or no ACL step) did. */
    decidingRule: z.number().int().nullable(),
    /** SUBSCRIBE: allow rules that match part of the filter only. */
    partialAllows: z.array(z.object({ ruleId: z.number().int(), topic: z.string() }).strict()),
    /**
     * SUBSCRIBE, once the ACL was read: the topics of the filter this identity may not receive, as
     * filters minus the topics in `except`, each with the deny rule that takes it (null:
     * `ARRA_ACL_NO_MATCH`) and a topic of it. Bounded; `truncated` when some were left out.
     */
    uncovered: z
      .object({
        parts: z.array(z.object({ filter: z.string(), except: z.array(z.string()), example: z.string(), deniedBy: z.number().int().nullable() }).strict()),
        truncated: z.boolean(),
      })
      .strict()
      .nullable(),
  })
  .strict();
export type Explanation = z.infer<typeof Explanation>;

/** Why a record denies: the verifier's reasons, and the broker's own limits. */
export const RecordReason = z.enum([...DenyReason.options, 'quota_exceeded']);
export type RecordReason = z.infer<typeof RecordReason>;

/**
 * A request the bundled broker refused itself: a PUBLISH or SUBSCRIBE its local ACL check denied, a
 * SUBSCRIBE filter that is invalid (`invalid_request`) or over its limits, a message its full store
 * could not keep (`quota_exceeded`), a will the rights of its moment refused (the verifier's reason), a
 * CONNECT whose client id holds a session of another identity. The in-process authorizer hands it to
 * the core; the HTTP one posts batches to `POST /v1/refusals`.
 */
export const BrokerRefusal = z
  .object({
    clientId: z.string().max(65535),
    deviceId: z.string().max(65535).nullable(),
    action: z.enum(['connect', 'publish', 'subscribe']),
    topic: z.string().max(65535).nullable(),
    peerAddress: z.string().max(128),
    reason: RecordReason,
    message: z.string().max(256),
  })
  .strict();
export type BrokerRefusal = z.infer<typeof BrokerRefusal>;

export const MAX_REFUSALS_PER_POST = 100;
export const BrokerRefusals = z.object({ items: z.array(BrokerRefusal).min(1).max(MAX_REFUSALS_PER_POST) }).strict();

/** One decision as the record keeps it: who, what, where and why, never a credential. */
export const DecisionRecord = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    kind: z.enum(['authenticate', 'authorize']),
    allow: z.boolean(),
    reason: RecordReason.nullable(),
    message: z.string().nullable(),
    deviceId: z.string().nullable(),
    clientId: z.string(),
    /** Who asked: `bundled`, or the dialect and its address (`nanomq 10.0.0.5`, `native 127.0.0.1`). */
    broker: z.string(),
    peerAddress: z.string().nullable(),
    credential: z.string().nullable(),
    action: z.enum(['publish', 'subscribe']).nullable(),
    topic: z.string().nullable(),
  })
  .strict();
export type DecisionRecord = z.infer<typeof DecisionRecord>;

export const DecisionQuery = z
  .object({
    device: DeviceId.optional(),
    reason: RecordReason.optional(),
    allow: z.enum(['true', 'false']).transform((s) => s === 'true').optional(),
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** Seconds to wait for a first matching record when there is none yet (long poll). */
    wait: z.coerce.number().int().min(0).max(30).default(0),
  })
  .strict();
export type DecisionQuery = z.output<typeof DecisionQuery>;

export const DecisionPage = z
  .object({
    items: z.array(DecisionRecord),
    last: z.number().int(),
  })
  .strict();
export type DecisionPage = z.infer<typeof DecisionPage>;
