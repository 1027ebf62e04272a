import { isValidTopicFilter } from './topic.js';

const PLACEHOLDERS = new Set(['${clientid}', '${username}', '${device}']);

/**
 * An ACL rule topic: a valid topic filter in which `${clientid}`, `${username}` and `${device}` may
 * stand only as whole levels (so a substituted id can never merge with literal text into a wildcard).
 */
export function isValidRuleTopic(topic: string): boolean {
  for (const level of topic.split('/')) {
    if ((level.includes('${') || level.includes('}')) && !PLACEHOLDERS.has(level)) return false;
  }
  return isValidTopicFilter(topic);
}
