import { filterCovers, filtersOverlap, topicMatches } from './topic.js';

/** One compiled rule as `checkAcl` reads it; `CompiledAclRule` in schemas/acl.ts is its wire form. */
export interface AclEntry {
  permission: 'allow' | 'deny';
  action: 'publish' | 'subscribe' | 'all';
  /** A topic filter; with `eq` the literal text. */
  topic: string;
  eq: boolean;
  qos?: ReadonlyArray<0 | 1 | 2> | undefined;
  retain?: boolean | undefined;
}

export interface Acl {
  rules: readonly AclEntry[];
  noMatch: 'allow' | 'deny';
}

export interface AclQuery {
  action: 'publish' | 'subscribe';
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

/** How a subscribe deny that overlaps the requested filter without covering it is read (README.md). */
export type OverlappingDeny = 'refuse' | 'check-deliveries';

const enum Applies {
  No,
  Yes,
  Partly,
}

export type RuleApplies = 'no' | 'yes' | 'partly';
export type AclObserver = (ruleIndex: number, applies: RuleApplies) => void;
const APPLIES: readonly RuleApplies[] = ['no', 'yes', 'partly'];

/** The first applicable rule decides, else `noMatch` (README.md); `observe` is the explainer's trace. */
export function checkAcl(acl: Acl, query: AclQuery, overlappingDeny: OverlappingDeny = 'refuse', observe?: AclObserver): AclVerdict {
  let partial = false;
  for (let i = 0; i < acl.rules.length; i++) {
    const rule = acl.rules[i]!;
    const applies = ruleApplies(rule, query, overlappingDeny);
    if (observe) observe(i, APPLIES[applies]!);
    if (applies === Applies.Yes) return { allow: rule.permission === 'allow', ruleIndex: i, partial: partial && rule.permission === 'allow' };
    if (applies === Applies.Partly) partial = true;
  }
  return { allow: acl.noMatch === 'allow', ruleIndex: -1, partial: partial && acl.noMatch === 'allow' };
}

function ruleApplies(rule: AclEntry, query: AclQuery, overlappingDeny: OverlappingDeny): Applies {
  if (rule.action !== 'all' && rule.action !== query.action) return Applies.No;
  const isDeny = rule.permission === 'deny';
  // An unknown QoS or retain flag fails an allow's condition and meets a deny's (fail closed).
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

function denyOnFilter(rule: AclEntry, filter: string, overlappingDeny: OverlappingDeny): Applies {
  // An eq deny is literal text: with wildcards it names one filter only; without, it is one topic.
  if (rule.eq && /[+#]/.test(rule.topic)) return Applies.No;
  if (!rule.eq && filterCovers(rule.topic, filter)) return Applies.Yes;
  if (!filtersOverlap(rule.topic, filter)) return Applies.No;
  return overlappingDeny === 'refuse' ? Applies.Yes : Applies.Partly;
}
