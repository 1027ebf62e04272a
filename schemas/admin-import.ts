/**
 * Admin API contract of the bulk import (`POST /v1/admin/import`, JSON form; the CSV form is parsed
 * into this). Re-exported by `schemas/admin`.
 *
 * @module schemas/admin-import
 */
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

/**
 * What an import does with a device id that is already registered: `fail` refuses the whole import
 * (409), `skip` leaves that device as it is, `update` makes it match the row (groups, superuser,
 * attributes; a password in the row replaces its passwords; a fingerprint is added). `skip` and
 * `update` let a retry of an import whose answer was lost converge instead of failing with 409.
 */
export const ImportConflictPolicy = z.enum(['fail', 'skip', 'update']);
export type ImportConflictPolicy = z.infer<typeof ImportConflictPolicy>;

export const ImportQuery = z.object({ onConflict: ImportConflictPolicy.default('fail') }).strict();

const count = z.number().int().nonnegative();
export const ImportResult = z.object({ created: count, updated: count, skipped: count }).strict();
export type ImportResult = z.infer<typeof ImportResult>;
