import { z } from 'zod';
import { InvalidField } from './errors.js';

/** An MQTT string field: at most 65535 bytes on the wire, so no broker can send more characters. */
export const wireString = z.string().max(65535);

/** A template placeholder the broker (EMQX) could not fill arrives as `''`: read as absent. */
export const blankAsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** QoS as a template substitution: `1`, `"1"`; anything else is refused. */
export const lenientQos = z
  .union([z.literal(0), z.literal(1), z.literal(2), z.enum(['0', '1', '2'])])
  .transform((v) => Number(v) as 0 | 1 | 2);

/** Retain flag as a template substitution: `true`, `"true"`, `1`, `"1"` and their false twins. */
export const lenientBool = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.enum(['true', 'false', '0', '1'])])
  .transform((v) => v === true || v === 1 || v === 'true' || v === '1');

/** The first problem becomes an `InvalidField` naming its field. */
export function parseParams<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidField('body', 'expected an object of parameters (form, JSON object or query string)');
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidField(issue.path.length > 0 ? issue.path.join('.') : 'body', issue.message);
}
