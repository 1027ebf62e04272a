// Payloads as BLOBs; 5.0 properties and session records as JSON with Buffers in base64. Rows go in as
// positional parameters (no object per row).
import type { ForwardedProperties, Message } from '../routing/message.js';
import type { SessionRecord } from './store.js';

/** The columns a message fills, in the order of `MESSAGE_COLUMNS`. */
export type MessageParams = [topic: string, payload: Buffer, qos: number, retain: number, props: string | null, expiresAt: number | null, origin: string | null, owner: string | null];

export const MESSAGE_COLUMNS = 'topic, payload, qos, retain, props, expires_at, origin, owner';

export interface MessageRow {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: number;
  props: string | null;
  expires_at: number | null;
  origin: string | null;
  owner: string | null;
}

export function messageParams(message: Message): MessageParams {
  const { properties, expiresAt, origin, owner } = message;
  return [message.topic, message.payload, message.qos, message.retain ? 1 : 0, properties === undefined ? null : encodeJson(properties), expiresAt ?? null, origin ?? null, owner ?? null];
}

export function rowToMessage(row: MessageRow): Message {
  return {
    topic: row.topic,
    payload: row.payload,
    qos: row.qos as 0 | 1 | 2,
    retain: row.retain === 1,
    ...(row.props !== null && { properties: decodeJson(row.props) as ForwardedProperties }),
    ...(row.expires_at !== null && { expiresAt: row.expires_at }),
    ...(row.origin !== null && { origin: row.origin }),
    ...(row.owner !== null && { owner: row.owner }),
  };
}

export function sessionToJson(record: SessionRecord): string {
  return encodeJson({ ...record, will: record.will && { ...record.will, message: plainMessage(record.will.message) } });
}

export function sessionFromJson(text: string): SessionRecord {
  return decodeJson(text) as SessionRecord;
}

/** A message without the encodings a connection cached on it. */
function plainMessage(message: Message): Message {
  const { encodedVariant: _variant, encodedFrame: _frame, otherVariants: _others, ...plain } = message;
  return plain;
}

const BUFFER_KEY = '$base64';

function encodeJson(value: unknown): string {
  return JSON.stringify(value, function replace(this: Record<string, unknown>, key, encoded: unknown) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? { [BUFFER_KEY]: raw.toString('base64') } : encoded;
  });
}

function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && BUFFER_KEY in value) {
      return Buffer.from((value as Record<string, string>)[BUFFER_KEY]!, 'base64');
    }
    return value;
  });
}
