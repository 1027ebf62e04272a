/**
 * Every admin operation parses its input with the admin schema itself, so a caller that skipped
 * validation (a script, the CLI in direct mode) still cannot write a malformed row.
 *
 * @module verifier/store/validate
 */
import type { z } from 'zod';
import { ValidationError } from './errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw ValidationError.fromZod(result.error, prefix);
  return result.data;
}
