/**
 * Request validation: zod decides, but a body that a check compiled from the same zod schema accepts
 * is passed as it is, without zod's parse (a copy of the body and a walk of its checks per request).
 * A compiled check only says yes where zod would accept the value and return it unchanged; anything
 * it does not know, and every refusal, goes to zod, so the answers and their 4xx bodies are zod's.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';

type Check = (value: unknown) => boolean;
type Def = { type: string } & Record<string, unknown>;
type CheckDef = { check: string } & Record<string, unknown>;

const ASK_ZOD: Check = () => false;

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const viaZod = zodValidatorCompiler(route);
  const accepts = compileCheck(route.schema);
  return (data) => (accepts(data) ? { value: data } : viaZod(data));
};

/** True only when `schema` accepts `value` and returns it unchanged; false means "ask zod". */
export function compileCheck(schema: z.ZodType): Check {
  const def = (schema as unknown as { _zod?: { def?: Def } })._zod?.def;
  if (def === undefined) return ASK_ZOD;
  switch (def.type) {
    case 'object':
      return strictObject(def);
    case 'optional': {
      const inner = compileCheck(def.innerType as z.ZodType);
      return (value) => value === undefined || inner(value);
    }
    case 'nullable': {
      const inner = compileCheck(def.innerType as z.ZodType);
      return (value) => value === null || inner(value);
    }
    case 'string':
      return withChecks((value) => typeof value === 'string', def, stringCheck);
    case 'number':
      return withChecks((value) => typeof value === 'number' && Number.isFinite(value), def, numberCheck);
    case 'boolean':
      return noChecks(def) ? (value) => typeof value === 'boolean' : ASK_ZOD;
    case 'enum': {
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return noChecks(def) ? (value) => values.has(value) : ASK_ZOD;
    }
    case 'literal': {
      const values = new Set(def.values as unknown[]);
      return noChecks(def) ? (value) => values.has(value) : ASK_ZOD;
    }
    case 'union': {
      const options = (def.options as z.ZodType[]).map(compileCheck);
      return noChecks(def) ? (value) => options.some((accepts) => accepts(value)) : ASK_ZOD;
    }
    default:
      return ASK_ZOD;
  }
}

/** A `.strict()` object of known fields: a plain object with no other key. */
function strictObject(def: Def): Check {
  const catchall = (def.catchall as { _zod?: { def?: Def } } | undefined)?._zod?.def;
  if (catchall?.type !== 'never' || !noChecks(def)) return ASK_ZOD;
  const fields = Object.entries(def.shape as Record<string, z.ZodType>).map(([key, field]) => ({ key, accepts: compileCheck(field) }));
  const known = new Set(fields.map((field) => field.key));
  return (value) => {
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
    const object = value as Record<string, unknown>;
    for (const { key, accepts } of fields) if (!accepts(object[key])) return false;
    for (const key in object) if (!known.has(key)) return false;
    return true;
  };
}

function noChecks(def: Def): boolean {
  return ((def.checks as unknown[] | undefined) ?? []).length === 0;
}

function withChecks(base: Check, def: Def, compile: (check: CheckDef) => Check): Check {
  const checks = ((def.checks as Array<{ _zod: { def: CheckDef } }> | undefined) ?? []).map((check) => compile(check._zod.def));
  if (checks.includes(ASK_ZOD)) return ASK_ZOD;
  return (value) => base(value) && checks.every((accepts) => accepts(value));
}

/** zod counts code points: within `length` UTF-16 units (max) or from twice the floor (min) the count is sure. */
function stringCheck(check: CheckDef): Check {
  switch (check.check) {
    case 'max_length': {
      const maximum = check.maximum as number;
      return (value) => (value as string).length <= maximum;
    }
    case 'min_length': {
      const sure = 2 * (check.minimum as number);
      return (value) => (value as string).length >= sure;
    }
    case 'string_format': {
      const pattern = check.pattern as RegExp | undefined;
      if (check.format !== 'regex' || pattern === undefined || pattern.global || pattern.sticky) return ASK_ZOD;
      return (value) => pattern.test(value as string);
    }
    default:
      return ASK_ZOD;
  }
}

function numberCheck(check: CheckDef): Check {
  const bound = check.value as number;
  switch (check.check) {
    case 'number_format':
      return check.format === 'safeint' ? (value) => Number.isSafeInteger(value) : ASK_ZOD;
    case 'greater_than':
      return check.inclusive ? (value) => (value as number) >= bound : (value) => (value as number) > bound;
    case 'less_than':
      return check.inclusive ? (value) => (value as number) <= bound : (value) => (value as number) < bound;
    default:
      return ASK_ZOD;
  }
}
