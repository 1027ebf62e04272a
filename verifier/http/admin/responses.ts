/**
 * Shared pieces of the admin route schemas: the error responses every admin route declares (so the
 * OpenAPI document lists them and the serializer checks them: 400 names the fields, 401 is the bearer
 * gate, 404/409 come from the store) and bodies that may be left out.
 *
 * @module verifier/http/admin/responses
 */
import type { z } from 'zod';
import { AdminErrorBody } from '../../../schemas/admin.js';

export const adminErrors = { 400: AdminErrorBody, 401: AdminErrorBody, 404: AdminErrorBody } as const;
export const adminWriteErrors = { ...adminErrors, 409: AdminErrorBody } as const;

/**
 * A body whose fields all have defaults may be left out: Fastify hands the validator `null` then, which
 * becomes the schema's defaults (and the OpenAPI document shows the body as optional).
 */
export function optionalBody<T extends z.ZodType<object>>(schema: T) {
  return schema.nullish().transform((body) => body ?? schema.parse({}));
}
