/** `revision` only grows per process; a new process starts far above the old one. `changes: null`: re-check everything. */
import { z } from 'zod';
import { Change } from './decision.js';

export const ChangesQuery = z
  .object({
    /** The `revision` of the previous answer; absent = wait for the next change. */
    since: z.coerce.number().int().nonnegative().optional(),
    waitMs: z.coerce.number().int().min(0).max(60_000).default(25_000),
  })
  .strict();
export type ChangesQuery = z.input<typeof ChangesQuery>;

export const ChangesResponse = z
  .object({
    revision: z.number().int().nonnegative(),
    changes: z.array(Change).nullable(),
  })
  .strict();
export type ChangesResponse = z.infer<typeof ChangesResponse>;
