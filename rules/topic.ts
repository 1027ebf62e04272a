/** Longest topic the wire allows: a UTF-8 string with a 2-byte length [MQTT-1.5.3]. */
export const MAX_TOPIC_BYTES = 65535;

/** Levels of a topic name or filter (`a/b` has 2, `a/` has 2), counted without splitting it. */
export function levelCount(topic: string): number {
  let levels = 1;
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) levels++;
  return levels;
}

/** A PUBLISH topic name: non-empty, no `+` or `#` [MQTT-3.3.2-2], no NUL [MQTT-1.5.3-2]. */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0 || Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x2b /* + */ || c === 0x23 /* # */ || c === 0) return false;
  }
  return true;
}

/** Non-empty [MQTT-4.7.3-1]; `#` only as the last whole level [MQTT-4.7.1-2]; `+` only as a whole level [MQTT-4.7.1-3]. */
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

/** First-level wildcards do not match `$` topics [MQTT-4.7.2-1]; `a/#` also matches `a` [MQTT-4.7.1-2]. */
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

/** Does every topic `inner` can match also match `outer`? (`sensors/+/temp` does not cover `sensors/#`.) */
export function filterCovers(outer: string, inner: string): boolean {
  // [MQTT-4.7.2-1]
  if (inner.startsWith('$') && (outer.startsWith('+') || outer.startsWith('#'))) return false;
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; i < o.length; i++) {
    const level = o[i];
    if (level === '#') return true;
    if (i >= n.length) return false;
    const innerLevel = n[i];
    if (innerLevel === '#') return false;
    if (level === '+') continue;
    if (innerLevel === '+' || innerLevel !== level) return false;
  }
  return o.length === n.length;
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
