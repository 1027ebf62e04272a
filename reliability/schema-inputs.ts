/**
 * Inputs derived from the wire schemas for the HTTP fuzz: a small generator over the JSON Schema that
 * zod emits (the verifier's OpenAPI document is built from the same zod schemas), producing values
 * that mostly fit and then breaking them (a required field dropped, a wrong type, an unknown key, an
 * extreme string), plus a fixed list of hostile bodies every endpoint must survive.
 *
 * @module reliability/schema-inputs
 */

type Rand = () => number;
export type JsonSchema = Record<string, unknown>;

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** Strings an attacker would try in any text field. */
const NASTY_STRINGS = [
  '', ' ', '#', '+', 'a/+/b', '$SYS/#', '../../etc/passwd', '%00', '\u0000', '\uFFFD', '\uD800', 'é', '🙂'.repeat(10),
  "' OR 1=1 --", '${username}', '%u', '<script>', 'null', 'true', '0', '-1', '1e309', 'x'.repeat(70_000),
];

function randomString(rand: Rand, schema: JsonSchema): string {
  if (rand() < 0.3) return pick(rand, NASTY_STRINGS);
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, min + 40);
  const length = min + Math.floor(rand() * (max - min + 1));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_./:+#$ ';
  return Array.from({ length }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
}

/** A value that (mostly) fits the schema. Depth-bounded so recursive schemas terminate. */
export function generate(rand: Rand, schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return pick(rand, schema.enum);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return generate(rand, pick(rand, options) as JsonSchema, depth + 1);
  }
  const type = Array.isArray(schema.type) ? pick(rand, schema.type as string[]) : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(properties)) {
        if (required.has(name) || rand() < 0.6) out[name] = generate(rand, sub, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = Math.floor(rand() * 4);
      return Array.from({ length: n }, () => generate(rand, schema.items as JsonSchema, depth + 1));
    }
    case 'string':
      return randomString(rand, schema);
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
      if (rand() < 0.2) return pick(rand, [min - 1, max + 1, 0, -0, 2 ** 53, 1.5, Number.MAX_SAFE_INTEGER]);
      const value = min + rand() * Math.min(max - min, 1e9);
      return type === 'integer' ? Math.floor(value) : value;
    }
    case 'boolean':
      return rand() < 0.5;
    case 'null':
      return null;
    default:
      return pick(rand, ['x', 1, true, null, {}, []]);
  }
}

const WRONG_TYPES: unknown[] = [null, 0, -1, 1.5, true, 'str', [], {}, [1, 'a'], { nested: { deeper: [] } }];

/** Breaks a generated object in one way: drop a field, wrong-type a field, add a key, or replace it whole. */
export function mutate(rand: Rand, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return rand() < 0.5 ? value : pick(rand, WRONG_TYPES);
  const out = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(out);
  switch (Math.floor(rand() * 5)) {
    case 0:
      if (keys.length) delete out[pick(rand, keys)];
      return out;
    case 1:
      if (keys.length) out[pick(rand, keys)] = pick(rand, WRONG_TYPES);
      return out;
    case 2:
      out[pick(rand, ['unknown', 'allow', 'superuser', 'isAdmin', 'deviceId', 'acl'])] = pick(rand, [true, 'yes', { rules: [] }]);
      return out;
    case 3:
      return pick(rand, WRONG_TYPES);
    default:
      return out;
  }
}

/** A body that is only as valid as the schema generator makes it, or broken on purpose (half the time). */
export function schemaBody(rand: Rand, schema: JsonSchema | undefined): unknown {
  const value = generate(rand, schema);
  return rand() < 0.5 ? value : mutate(rand, value);
}

export interface HostileBody {
  name: string;
  contentType: string | undefined;
  body: string | Buffer;
}

function nest(levels: number, open: string, close: string, inner = '1'): string {
  return open.repeat(levels) + inner + close.repeat(levels);
}

/** Bodies every endpoint must answer with a 4xx or a deny: never a 5xx, a hang or an allow. */
export function hostileBodies(fieldNames: string[]): HostileBody[] {
  const field = fieldNames[0] ?? 'username';
  const allFields = (value: unknown) => JSON.stringify(Object.fromEntries(fieldNames.map((f) => [f, value])));
  return [
    { name: 'JSON array nested 10,000 levels', contentType: 'application/json', body: nest(10_000, '[', ']') },
    { name: 'JSON object nested 10,000 levels', contentType: 'application/json', body: nest(10_000, '{"a":', '}') },
    { name: '1 MB string in every field', contentType: 'application/json', body: allFields('x'.repeat(1_000_000 / Math.max(1, fieldNames.length))) },
    { name: 'body over the size limit', contentType: 'application/json', body: `{"${field}":"${'y'.repeat(1_100_000)}"}` },
    { name: '__proto__ and constructor keys', contentType: 'application/json', body: `{"__proto__":{"allow":true,"superuser":true,"isSuperuser":true},"constructor":{"prototype":{"allow":true}},${allFields('fz').slice(1)}` },
    { name: 'duplicate keys', contentType: 'application/json', body: `{"${field}":"a","${field}":{"x":1},"${field}":"b"}` },
    { name: 'invalid UTF-8 inside a JSON string', contentType: 'application/json', body: Buffer.concat([Buffer.from(`{"${field}":"`), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('"}')]) },
    { name: 'truncated JSON', contentType: 'application/json', body: `{"${field}":"abc` },
    { name: 'JSON null', contentType: 'application/json', body: 'null' },
    { name: 'JSON scalar', contentType: 'application/json', body: '12345678901234567890' },
    { name: 'empty body declared JSON', contentType: 'application/json', body: '' },
    { name: 'text/plain', contentType: 'text/plain', body: allFields('fz') },
    { name: 'application/xml', contentType: 'application/xml', body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>' },
    { name: 'form with repeated and odd keys', contentType: 'application/x-www-form-urlencoded', body: `${field}=a&${field}=b&__proto__[allow]=1&%ff%fe=%c0` },
    { name: 'multipart', contentType: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--' },
    { name: 'no content type', contentType: undefined, body: allFields('fz') },
    { name: 'JSON with a charset that is not UTF-8', contentType: 'application/json; charset=utf-16', body: allFields('fz') },
  ];
}
