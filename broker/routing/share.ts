/**
 * Shared subscription filters: `$share/{ShareName}/{filter}` [MQTT-4.8.2]. The share name is at
 * least one character with no `/`, `+` or `#` [MQTT-4.8.2-1] [MQTT-4.8.2-2].
 *
 * @module broker/routing/share
 */
import { isValidTopicFilter } from '../../schemas/topic.js';

export interface ParsedFilter {
  filter: string;
  group?: string;
}

/** Splits a SUBSCRIBE/UNSUBSCRIBE filter; null when it is not a valid (shared) filter. */
export function parseFilter(raw: string): ParsedFilter | null {
  if (!raw.startsWith('$share/')) return isValidTopicFilter(raw) ? { filter: raw } : null;
  const rest = raw.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const group = rest.slice(0, slash);
  const filter = rest.slice(slash + 1);
  if (/[+#]/.test(group) || !isValidTopicFilter(filter)) return null;
  return { filter, group };
}
