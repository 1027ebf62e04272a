/**
 * The body of the admin API's plain list routes (rules, groups, keys), reduced to its items.
 *
 * @module verifier/cli/commands/_list-body
 */
import { z } from 'zod';

export function listBody<S extends z.ZodType>(item: S) {
  return z.union([z.object({ items: z.array(item) }).transform((body) => body.items), z.array(item)]);
}
