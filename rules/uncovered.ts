/**
 * The topics of a SUBSCRIBE filter an ACL does not let through: the rules read in order over regions
 * of topics instead of one topic, each rule taking the region it matches (allow: covered, deny:
 * uncovered), `noMatch` deciding what is left. A region is a filter whose `+` levels may exclude
 * some names; it prints as a filter and the filters it excepts.
 */
import type { Acl, AclEntry } from './acl.js';

type Level = { name: string } | { except: string[] };
/** Topics whose first levels match `levels` and, with `tail`, any number of levels after. */
interface Region {
  levels: Level[];
  tail: boolean;
}
/** A rule's filter: names and `+` levels, `#` as `tail`; `all` for the eq rule naming the filter itself. */
type Pattern = { levels: string[]; tail: boolean } | 'all';

export interface UncoveredPart {
  filter: string;
  /** Topics of `filter` that are not part of it (they were decided elsewhere). */
  except: string[];
  /** A topic of the part. */
  example: string;
  /** Index of the deny rule that takes this part, -1 for `noMatch`. */
  ruleIndex: number;
}

export interface Uncovered {
  parts: UncoveredPart[];
  /** Parts or exceptions left out to stay within the bounds: what is listed is uncovered, not all of it. */
  truncated: boolean;
}

export interface UncoveredLimits {
  /** Regions followed at once; beyond, the rules read so far give the answer, marked truncated. */
  maxRegions: number;
  maxExcept: number;
}

const LIMITS: UncoveredLimits = { maxRegions: 64, maxExcept: 20 };

export function uncoveredTopics(filter: string, acl: Acl, qos: 0 | 1 | 2 | undefined, limits: UncoveredLimits = LIMITS): Uncovered {
  let open: Region[] = [parseRegion(filter)];
  const denied: Array<{ region: Region; ruleIndex: number }> = [];
  let truncated = false;
  for (const [ruleIndex, rule] of acl.rules.entries()) {
    const pattern = appliesToSubscribe(rule, qos) ? patternOf(rule, filter) : null;
    if (pattern === null) continue;
    const next: Region[] = [];
    for (const region of open) {
      const { inside, outside } = split(region, pattern);
      if (inside && rule.permission === 'deny') denied.push({ region: inside, ruleIndex });
      next.push(...outside);
    }
    open = next;
    if (open.length + denied.length > limits.maxRegions) {
      truncated = true;
      open = [];
      break;
    }
    if (open.length === 0) break;
  }
  if (acl.noMatch === 'deny') denied.push(...open.map((region) => ({ region, ruleIndex: -1 })));
  const parts = denied.slice(0, limits.maxRegions).map(({ region, ruleIndex }) => {
    const except = exceptions(region);
    if (except.length > limits.maxExcept) truncated = true;
    return { filter: render(region), except: except.slice(0, limits.maxExcept), example: example(region), ruleIndex };
  });
  return { parts, truncated };
}

/** As `checkAcl` reads a rule for a SUBSCRIBE: its action, and its QoS list (unknown QoS: allows fail, denies meet it). */
function appliesToSubscribe(rule: AclEntry, qos: 0 | 1 | 2 | undefined): boolean {
  if (rule.action !== 'all' && rule.action !== 'subscribe') return false;
  if (!rule.qos) return true;
  return qos === undefined ? rule.permission === 'deny' : rule.qos.includes(qos);
}

function patternOf(rule: AclEntry, filter: string): Pattern | null {
  if (rule.topic === filter) return 'all';
  // An eq rule is literal text: with wildcards it names one filter (not this one), without, one topic.
  if (rule.eq && /[+#]/.test(rule.topic)) return null;
  const levels = rule.topic.split('/');
  const tail = levels.at(-1) === '#';
  return { levels: tail ? levels.slice(0, -1) : levels, tail };
}

function parseRegion(filter: string): Region {
  const levels = filter.split('/');
  const tail = levels.at(-1) === '#';
  return { levels: (tail ? levels.slice(0, -1) : levels).map((l) => (l === '+' ? { except: [] } : { name: l })), tail };
}

const anyLevels = (count: number): Level[] => Array.from({ length: count }, () => ({ except: [] }));
const withLevel = (region: Region, i: number, level: Level): Region => ({ ...region, levels: region.levels.map((l, k) => (k === i ? level : l)) });

/** The part of `region` the pattern matches, and the rest as disjoint regions. */
function split(region: Region, pattern: Pattern): { inside: Region | null; outside: Region[] } {
  const whole = { inside: null, outside: [region] };
  if (pattern === 'all') return { inside: region, outside: [] };
  if (dollarApart(region, pattern)) return whole;
  const m = pattern.levels.length;
  const outside: Region[] = [];
  let current = region;
  if (current.levels.length < m) {
    if (!current.tail) return whole;
    // Too short for the pattern: each length up to m - 1 is outside it.
    for (let k = current.levels.length; k < m; k++) if (k > 0) outside.push({ levels: [...current.levels, ...anyLevels(k - current.levels.length)], tail: false });
    current = { levels: [...current.levels, ...anyLevels(m - current.levels.length)], tail: true };
  } else if (current.levels.length > m && !pattern.tail) return whole;
  for (let i = 0; i < m; i++) {
    const want = pattern.levels[i]!;
    const level = current.levels[i]!;
    if (want === '+') continue;
    if ('name' in level) {
      if (level.name !== want) return whole;
      continue;
    }
    if (level.except.includes(want)) return whole;
    outside.push(withLevel(current, i, { except: [...level.except, want] }));
    current = withLevel(current, i, { name: want });
  }
  if (current.levels.length === m && current.tail && !pattern.tail) {
    outside.push({ levels: [...current.levels, ...anyLevels(1)], tail: true });
    current = { ...current, tail: false };
  }
  return { inside: current, outside };
}

/** A wildcard first level never matches a topic starting with `$` [MQTT-4.7.2-1]. */
function dollarApart(region: Region, pattern: Exclude<Pattern, 'all'>): boolean {
  const first = region.levels[0];
  const regionDollar = first !== undefined && 'name' in first && first.name.startsWith('$');
  const regionWild = first === undefined || !('name' in first);
  const patternFirst = pattern.levels[0] ?? '+';
  return (regionDollar && patternFirst === '+') || (regionWild && patternFirst.startsWith('$'));
}

function render(region: Region): string {
  const levels = region.levels.map((l) => ('name' in l ? l.name : '+'));
  return [...levels, ...(region.tail ? ['#'] : [])].join('/');
}

function exceptions(region: Region): string[] {
  return region.levels.flatMap((level, i) => ('name' in level ? [] : level.except.map((name) => render(withLevel(region, i, { name })))));
}

function example(region: Region): string {
  if (region.levels.length === 0) return 'x';
  return region.levels.map((l) => ('name' in l ? l.name : freeName(l.except))).join('/');
}

function freeName(taken: readonly string[]): string {
  for (let n = 0; ; n++) {
    const name = n === 0 ? 'x' : `x${n}`;
    if (!taken.includes(name)) return name;
  }
}
