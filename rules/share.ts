import { isValidTopicFilter } from './topic.js';

const SHARE_PREFIX = '$share/';

export interface ParsedFilter {
  filter: string;
  /** The ShareName of a `$share/{ShareName}/{filter}` subscription [MQTT-4.8.2]. */
  group?: string;
}

/** Splits a SUBSCRIBE/UNSUBSCRIBE filter; null when it is not a valid (shared) filter. */
export function parseFilter(raw: string): ParsedFilter | null {
  if (!raw.startsWith(SHARE_PREFIX)) return isValidTopicFilter(raw) ? { filter: raw } : null;
  const rest = raw.slice(SHARE_PREFIX.length);
  const slash = rest.indexOf('/');
  // [MQTT-4.8.2-1] a ShareName is non-empty with no `/ + #`; [MQTT-4.8.2-2] a `/` and a filter follow
  if (slash <= 0) return null;
  const group = rest.slice(0, slash);
  const filter = rest.slice(slash + 1);
  if (/[+#]/.test(group) || !isValidTopicFilter(filter)) return null;
  return { filter, group };
}
