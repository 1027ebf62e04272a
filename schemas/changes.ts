/**
 * The registry change feed (`GET /v1/changes`): how an HTTP authorizer (the bundled broker talking to
 * a remote verifier) learns which connected clients to re-check.
 *
 * `revision` is opaque and only ever grows within one verifier process; a new process starts far
 * above any revision the previous one handed out, so a client's old `since` is recognised as too old.
 * `changes: null` means "the feed cannot say what changed since then": re-check everything.
 *
 * @module schemas/changes
 */
import { z } from 'zod';
import { Change } from './decision.js';

export const ChangesQuery = z
  .object({
    /** The `revision` of the previous answer; absent = wait for the next change. */
    since: z.coerce.number().int().nonnegative().optional(),
    /** How long to hold the request open when nothing changed yet. */
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
