/**
 * The stored rules of one connection, placeholders substituted. A missing, empty or `+ # /` value would
 * widen the pattern: an allow using it is dropped, a deny using it denies everything (`#`, and
 * `$prefix/#` for a `$` pattern, as `#` does not reach `$` topics [MQTT-4.7.2-1]).
 */
import type { CompiledAcl, CompiledAclRule } from '../../schemas/index.js';
import { isSafeSubstitution } from './identifiers.js';
import type { AclRule } from './ports.js';

export interface SubstitutionValues {
  clientId: string | null;
  username: string | null;
  deviceId: string | null;
}

const PLACEHOLDER = /\$\{(clientid|username|device)\}/g;
const HAS_PLACEHOLDER = /\$\{(clientid|username|device)\}/;

function valueFor(name: string, values: SubstitutionValues): string | null {
  if (name === 'clientid') return values.clientId;
  if (name === 'username') return values.username;
  return values.deviceId;
}

/** The substituted pattern, or null when a placeholder's value is unsafe. */
function substitute(pattern: string, values: SubstitutionValues): string | null {
  let unsafe = false;
  const topic = pattern.replace(PLACEHOLDER, (_, name: string) => {
    const value = valueFor(name, values);
    if (!isSafeSubstitution(value)) unsafe = true;
    return value ?? '';
  });
  return unsafe ? null : topic;
}

function toCompiled(rule: AclRule, topic: string): CompiledAclRule {
  const compiled: CompiledAclRule = { permission: rule.permission, action: rule.action, topic, eq: rule.eq };
  if (rule.qos !== null) compiled.qos = [...rule.qos];
  if (rule.retain !== null) compiled.retain = rule.retain;
  return compiled;
}

function denyEverything(rule: AclRule): CompiledAclRule[] {
  const base = { permission: 'deny', action: rule.action, eq: false } as const;
  const rules: CompiledAclRule[] = [{ ...base, topic: '#' }];
  const firstLevel = rule.topic.split('/')[0]!;
  // `${clientid}/...` also starts with `$`, but its first level is not a `$` topic prefix.
  if (firstLevel.startsWith('$') && !HAS_PLACEHOLDER.test(firstLevel)) {
    rules.push({ ...base, topic: `${firstLevel}/#` });
  }
  return rules;
}

/** One stored rule as it reads for one identity: none, one or (a `$` deny-everything) two rules. */
export function compileRule(rule: AclRule, values: SubstitutionValues): CompiledAclRule[] {
  if (rule.eq) return [toCompiled(rule, rule.topic)];
  const topic = substitute(rule.topic, values);
  if (topic !== null) return [toCompiled(rule, topic)];
  return rule.permission === 'deny' ? denyEverything(rule) : [];
}

const NAMES_THE_CLIENT = /\$\{(clientid|username)\}/;
const namesTheClientOf = new WeakMap<readonly AclRule[], boolean>();

/** Whether compiled rules differ by client id or username: if not, every client of one identity shares them. */
export function namesTheClient(rules: readonly AclRule[]): boolean {
  let names = namesTheClientOf.get(rules);
  if (names === undefined) namesTheClientOf.set(rules, (names = rules.some((rule) => !rule.eq && NAMES_THE_CLIENT.test(rule.topic))));
  return names;
}

export function compileAcl(rules: readonly AclRule[], values: SubstitutionValues, noMatch: 'allow' | 'deny'): CompiledAcl {
  return { rules: rules.flatMap((rule) => compileRule(rule, values)), noMatch };
}
