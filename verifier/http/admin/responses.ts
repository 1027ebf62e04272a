import type { z } from 'zod';
import { AdminErrorBody } from '../../../schemas/admin.js';

export const adminErrors = { 400: AdminErrorBody, 401: AdminErrorBody, 404: AdminErrorBody } as const;
export const adminWriteErrors = { ...adminErrors, 409: AdminErrorBody } as const;

/** A body of defaults only may be left out: Fastify then validates `null`, which becomes the defaults. */
export function optionalBody<T extends z.ZodType<object>>(schema: T) {
  return schema.nullish().transform((body) => body ?? schema.parse({}));
}
