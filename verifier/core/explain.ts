/**
 * "Why was this refused?": the authorize decision with its trace. It takes the steps of
 * `decideAuthorize` (topic check, identity, enabled, superuser) and reads the ACL with the same
 * `compileRule` and `checkAcl`, asking `checkAcl` to report each rule it reads.
 */
import { checkAcl, filtersOverlap, uncoveredTopics, type Acl, type RuleApplies as Outcome } from '../../rules/index.js';
import type { CompiledAclRule, ExplainedRule, Explanation, ExplainRequest } from '../../schemas/index.js';
import { aclQuery, usernameForAcl } from './authorize.js';
import { compileRule, type SubstitutionValues } from './compile-acl.js';
import type { DeciderConfig } from './types.js';
import type { AclRule, DeviceRecord, RegistryStore } from './ports.js';

export type ExplainQuery = Required<Pick<ExplainRequest, 'broker'>> & Omit<ExplainRequest, 'broker'>;

type Refusal = Pick<Explanation, 'reason' | 'message'>;

export function explainAuthorize(registry: Pick<RegistryStore, 'getDevice' | 'rulesFor'>, config: Pick<DeciderConfig, 'allowAnonymous' | 'aclNoMatch'>, request: ExplainQuery): Explanation {
  const clientId = request.clientId ?? request.deviceId ?? '';
  const values: SubstitutionValues = { clientId, username: usernameForAcl(request.username ?? request.deviceId ?? undefined), deviceId: request.deviceId };
  const base = { topic: null, identity: null, placeholders: { clientid: values.clientId, username: values.username, device: values.deviceId }, rules: [], decidingRule: null, partialAllows: [], uncovered: null };
  const refused = (refusal: Refusal, more: Partial<Explanation> = {}): Explanation => ({ ...base, allow: false, ...refusal, ...more });

  const query = aclQuery({ clientId, action: request.action, topic: request.topic, qos: request.qos, retain: request.retain });
  if ('allow' in query) return refused({ reason: query.reason, message: query.message ?? 'invalid topic' });
  const device = request.deviceId === null ? null : registry.getDevice(request.deviceId);
  if (device === undefined) return refused({ reason: 'unknown_device', message: 'the device does not exist' }, { topic: query.topic });
  if (device === null && !config.allowAnonymous) return refused({ reason: 'unknown_device', message: 'anonymous access is off' }, { topic: query.topic });
  const identity = identityOf(device);
  if (!identity.enabled) return refused({ reason: 'disabled', message: `device disabled${device?.disabledReason ? `: ${device.disabledReason}` : ''}` }, { topic: query.topic, identity });
  if (identity.superuser) return { ...base, topic: query.topic, identity, allow: true, reason: null, message: 'superuser: the ACL is not read' };

  const stored = registry.rulesFor(device);
  const compiled: CompiledAclRule[] = [];
  const source: number[] = [];
  const substituted = stored.map((rule, i) => {
    const rules = compileRule(rule, values);
    for (const r of rules) {
      compiled.push(r);
      source.push(i);
    }
    return rules;
  });
  const outcomes: Array<Outcome | undefined> = stored.map(() => undefined);
  const mode = request.broker === 'bundled' ? 'check-deliveries' : 'refuse';
  const verdict = checkAcl({ rules: compiled, noMatch: config.aclNoMatch }, query, mode, (i, outcome) => {
    const s = source[i]!;
    if (outcomes[s] !== 'yes') outcomes[s] = outcome;
  });
  const decidingRule = verdict.ruleIndex < 0 ? null : stored[source[verdict.ruleIndex]!]!.id;
  const rules = stored.map((rule, i) => explainedRule(rule, substituted[i]!, outcomes[i]));
  const subscribe = query.action === 'subscribe';
  const partial = subscribe ? partialAllows(stored, substituted, outcomes, query.topic) : [];
  const uncovered = subscribe ? uncoveredParts(query.topic, { rules: compiled, noMatch: config.aclNoMatch }, query.qos, (i) => stored[source[i]!]!.id) : null;
  const message =
    decidingRule === null ? `no rule matched: ARRA_ACL_NO_MATCH (${config.aclNoMatch})` : `rule ${decidingRule} ${verdict.allow ? 'allowed' : 'denied'}`;
  return { ...base, topic: query.topic, identity, allow: verdict.allow, reason: verdict.allow ? null : 'acl_denied', message, rules, decidingRule, partialAllows: partial, uncovered };
}

function identityOf(device: DeviceRecord | null): NonNullable<Explanation['identity']> {
  if (device === null) return { deviceId: null, enabled: true, superuser: false, groups: [] };
  return { deviceId: device.id, enabled: device.enabled, superuser: device.superuser, groups: [...device.groups] };
}

function explainedRule(rule: AclRule, compiled: CompiledAclRule[], outcome: Outcome | undefined): ExplainedRule {
  const { id, priority, subject, permission, action, topic: pattern, eq } = rule;
  return { id, priority, subject, permission, action, pattern, eq, substituted: compiled.map((c) => c.topic), outcome: outcomeName(compiled, outcome) };
}

function outcomeName(compiled: CompiledAclRule[], outcome: Outcome | undefined): ExplainedRule['outcome'] {
  if (compiled.length === 0) return 'dropped';
  if (outcome === undefined) return 'not_reached';
  return outcome === 'yes' ? 'decided' : outcome === 'partly' ? 'overlaps' : 'not_applicable';
}

/** Allow rules read without deciding whose filter overlaps the requested one: they cover part of it only. */
function partialAllows(stored: readonly AclRule[], substituted: CompiledAclRule[][], outcomes: Array<Outcome | undefined>, filter: string): Explanation['partialAllows'] {
  const found: Explanation['partialAllows'] = [];
  stored.forEach((rule, i) => {
    if (rule.permission !== 'allow' || outcomes[i] !== 'no') return;
    for (const { topic, eq } of substituted[i]!) {
      if (!eq && filtersOverlap(topic, filter)) found.push({ ruleId: rule.id, topic });
    }
  });
  return found;
}

function uncoveredParts(filter: string, acl: Acl, qos: 0 | 1 | 2 | undefined, ruleId: (index: number) => number): Explanation['uncovered'] {
  const { parts, truncated } = uncoveredTopics(filter, acl, qos);
  return { parts: parts.map(({ ruleIndex, ...part }) => ({ ...part, deniedBy: ruleIndex < 0 ? null : ruleId(ruleIndex) })), truncated };
}
