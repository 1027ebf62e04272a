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
 *    matches the rule), a deny rule applies as soon as the two filters overlap at all (`eq`: equal as
 *    text in both cases). So `sensors/#` does not pass a rule that allows only `sensors/+/temp`.
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
}

export function checkAcl(acl: CompiledAcl, query: AclQuery): AclVerdict {
  for (let i = 0; i < acl.rules.length; i++) {
    const rule = acl.rules[i]!;
    if (ruleApplies(rule, query)) return { allow: rule.permission === 'allow', ruleIndex: i };
  }
  return { allow: acl.noMatch === 'allow', ruleIndex: -1 };
}

function ruleApplies(rule: CompiledAclRule, query: AclQuery): boolean {
  if (rule.action !== 'all' && rule.action !== query.action) return false;
  const isDeny = rule.permission === 'deny';
  if (rule.qos) {
    if (query.qos === undefined ? !isDeny : !rule.qos.includes(query.qos)) return false;
  }
  if (rule.retain !== undefined && query.action === 'publish') {
    if (query.retain === undefined ? !isDeny : rule.retain !== query.retain) return false;
  }
  if (rule.eq) return rule.topic === query.topic;
  if (query.action === 'publish') return topicMatches(rule.topic, query.topic);
  return isDeny ? filtersOverlap(rule.topic, query.topic) : filterCovers(rule.topic, query.topic);
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
