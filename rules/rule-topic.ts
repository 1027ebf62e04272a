import { isValidTopicFilter } from './topic.js';

const PLACEHOLDERS = new Set(['${clientid}', '${username}', '${device}']);

/** Placeholders only as whole levels: a substituted id can never merge with literal text into a wildcard. */
export function isValidRuleTopic(topic: string): boolean {
  for (const level of topic.split('/')) {
    if ((level.includes('${') || level.includes('}')) && !PLACEHOLDERS.has(level)) return false;
  }
  return isValidTopicFilter(topic);
}
