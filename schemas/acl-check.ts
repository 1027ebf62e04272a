/**
 * How a compiled ACL decides. This is part of the ACL's wire contract: the verifier, the bundled
 * broker (which enforces the ACL it received at CONNECT without a round trip) and the adapters must
 * read a rule list the same way, so there is exactly one implementation.
 *
 * Evaluation order, documented once:
 * 1. Rules are taken in list order (the verifier sorts them by priority ascending, then by id).
 * 2. A rule applies when its action is the request's or `all`, and its QoS and retain conditions hold.
 *    An unknown QoS or retain flag never satisfies an allow rule's condition, and always satisfies a
 *    deny rule's (fail closed).
 * 3. PUBLISH: the rule's filter must match the topic name (`eq`: equal as text).
 *    SUBSCRIBE: an allow rule must cover the whole requested filter (every topic the filter can match
 *    matches the rule); `eq`: equal as text. So `sensors/#` does not pass a rule that allows only
 *    `sensors/+/temp`. A deny rule that covers the requested filter applies. A deny rule that only
 *    overlaps it (`test/nosubscribe` against `#` or `test/+`; an `eq` deny of a topic without
 *    wildcards counts as that topic) is read by the mode the caller gives:
 *    - `refuse` (default): it applies, the filter is refused. For brokers that check nothing per
 *      delivery (NanoMQ, EMQX), where granting `#` would hand out `test/nosubscribe` too.
 *    - `check-deliveries`: it does not apply; the rules after it decide, and an allow says `partial`:
 *      the broker must check each delivery's topic name (a subscribe query with the name as filter,
 *      which a deny matches exactly when the name is in it), as the bundled broker does.
 * 4. The first applicable rule decides; when none does, `noMatch` decides.
 *
 * @module schemas/acl-check
 */
import type { CompiledAcl, CompiledAclRule } from './acl.js';
import { filterCovers, topicMatches } from './topic.js';

export interface AclQuery {
  action: 'publish' | 'subscribe';
  /** A topic name for publish, a topic filter for subscribe. */
  topic: string;
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface AclVerdict {
  allow: boolean;
  /** Index of the deciding rule in `acl.rules`, or -1 when `noMatch` decided. */
  ruleIndex: number;
  /** `check-deliveries` only: allowed, but a deny rule before the deciding one overlaps the filter. */
  partial: boolean;
}

/** How a subscribe deny that overlaps the requested filter without covering it is read (see above). */
export type OverlappingDeny = 'refuse' | 'check-deliveries';

/** What a rule does to a query: nothing, decide it, or (a deny, `check-deliveries`) overlap part of it. */
const enum Applies {
  No,
  Yes,
  Partly,
}

export function checkAcl(acl: CompiledAcl, query: AclQuery, overlappingDeny: OverlappingDeny = 'refuse'): AclVerdict {
  let partial = false;
  for (let i = 0; i < acl.rules.length; i++) {
    const rule = acl.rules[i]!;
    const applies = ruleApplies(rule, query, overlappingDeny);
    if (applies === Applies.Yes) return { allow: rule.permission === 'allow', ruleIndex: i, partial: partial && rule.permission === 'allow' };
    if (applies === Applies.Partly) partial = true;
  }
  return { allow: acl.noMatch === 'allow', ruleIndex: -1, partial: partial && acl.noMatch === 'allow' };
}

function ruleApplies(rule: CompiledAclRule, query: AclQuery, overlappingDeny: OverlappingDeny): Applies {
  if (rule.action !== 'all' && rule.action !== query.action) return Applies.No;
  const isDeny = rule.permission === 'deny';
  if (rule.qos) {
    if (query.qos === undefined ? !isDeny : !rule.qos.includes(query.qos)) return Applies.No;
  }
  if (rule.retain !== undefined && query.action === 'publish') {
    if (query.retain === undefined ? !isDeny : rule.retain !== query.retain) return Applies.No;
  }
  if (rule.topic === query.topic) return Applies.Yes;
  if (query.action === 'publish') return !rule.eq && topicMatches(rule.topic, query.topic) ? Applies.Yes : Applies.No;
  if (!isDeny) return !rule.eq && filterCovers(rule.topic, query.topic) ? Applies.Yes : Applies.No;
  return denyOnFilter(rule, query.topic, overlappingDeny);
}

/** A subscribe deny against a requested filter other than its own text. */
function denyOnFilter(rule: CompiledAclRule, filter: string, overlappingDeny: OverlappingDeny): Applies {
  // An eq deny is literal text: with wildcards it names one filter only; without, it is one topic.
  if (rule.eq && /[+#]/.test(rule.topic)) return Applies.No;
  if (!rule.eq && filterCovers(rule.topic, filter)) return Applies.Yes;
  if (!filtersOverlap(rule.topic, filter)) return Applies.No;
  return overlappingDeny === 'refuse' ? Applies.Yes : Applies.Partly;
}

/** Is there at least one topic name that both filters match? */
export function filtersOverlap(a: string, b: string): boolean {
  if ((a.startsWith('$') && /^[+#]/.test(b)) || (b.startsWith('$') && /^[+#]/.test(a))) return false;
  const x = a.split('/');
  const y = b.split('/');
  const depth = Math.max(x.length, y.length);
  for (let i = 0; i < depth; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return false;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
  return true;
}
