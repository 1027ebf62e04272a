import { z } from 'zod';
import { CertFingerprint, DeviceId } from './common.js';
import { Attributes, GroupList } from './admin-devices.js';

export const ImportDevice = z
  .object({
    id: DeviceId,
    groups: GroupList.default([]),
    superuser: z.boolean().default(false),
    password: z.string().min(8).max(1024).optional(),
    certFingerprint: CertFingerprint.optional(),
    attributes: Attributes.default({}),
  })
  .strict();
export type ImportDevice = z.input<typeof ImportDevice>;

export const ImportBody = z.object({ devices: z.array(ImportDevice).min(1).max(100_000) }).strict();
export type ImportBody = z.input<typeof ImportBody>;

/** For an existing id: `fail` (409), `skip`, or `update`; the last two let a lost-answer retry converge. */
export const ImportConflictPolicy = z.enum(['fail', 'skip', 'update']);
export type ImportConflictPolicy = z.infer<typeof ImportConflictPolicy>;

export const ImportQuery = z.object({ onConflict: ImportConflictPolicy.default('fail') }).strict();

const count = z.number().int().nonnegative();
export const ImportResult = z.object({ created: count, updated: count, skipped: count }).strict();
export type ImportResult = z.infer<typeof ImportResult>;
