/**
 * MQTT topic names and filters: the rules both the verifier (ACL patterns) and the broker (routing)
 * must agree on, so they live here, beside the schemas that refine with them.
 *
 * @module schemas/topic
 */

/** Longest topic the wire allows: a UTF-8 string with a 2-byte length [MQTT-1.5.3]. */
export const MAX_TOPIC_BYTES = 65535;

/** Levels of a topic name or filter (`a/b` has 2, `a/` has 2), counted without splitting it. */
export function levelCount(topic: string): number {
  let levels = 1;
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) levels++;
  return levels;
}

/**
 * A topic name (what a PUBLISH carries): non-empty, no `+` or `#` [MQTT-3.3.2-2], no NUL
 * [MQTT-1.5.3-2], at most 65535 bytes.
 */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0 || Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x2b /* + */ || c === 0x23 /* # */ || c === 0) return false;
  }
  return true;
}

/**
 * A topic filter (what a SUBSCRIBE carries): non-empty [MQTT-4.7.3-1]; `#` only as the last whole level
 * [MQTT-4.7.1-2]; `+` only as a whole level [MQTT-4.7.1-3]; no NUL.
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || Buffer.byteLength(filter) > MAX_TOPIC_BYTES) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('\u0000')) return false;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

/**
 * Does `filter` match the topic name `topic`? Wildcards at the first level do not match topics that
 * start with `$` [MQTT-4.7.2-1]; `a/#` also matches `a` [MQTT-4.7.1-2].
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Does every topic that `inner` can match also match `outer`? This is how a SUBSCRIBE filter is
 * checked against an ACL pattern: `sensors/#` is NOT covered by `sensors/+/temp`, while
 * `sensors/+/temp` is covered by `sensors/#`.
 */
export function filterCovers(outer: string, inner: string): boolean {
  // Wildcards at the first level of `outer` never reach `$` topics [MQTT-4.7.2-1].
  if (inner.startsWith('$') && (outer.startsWith('+') || outer.startsWith('#'))) return false;
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; i < o.length; i++) {
    const level = o[i];
    if (level === '#') return true;
    if (i >= n.length) return false;
    const innerLevel = n[i];
    if (innerLevel === '#') return false; // inner reaches levels outer does not name
    if (level === '+') continue;
    if (innerLevel === '+' || innerLevel !== level) return false;
  }
  return o.length === n.length;
}
