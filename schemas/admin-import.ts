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

export const ImportResult = z.object({ created: z.number().int().nonnegative() }).strict();
export type ImportResult = z.infer<typeof ImportResult>;
