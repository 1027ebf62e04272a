import { z } from 'zod';

/** ISO 8601 date-time; an offset is allowed on input, output is always `Z`. */
export const Timestamp = z.iso.datetime({ offset: true });

export const AdminErrorCode = z.enum(['validation', 'unauthorized', 'not_found', 'conflict']);
export type AdminErrorCode = z.infer<typeof AdminErrorCode>;

/** Every admin 4xx: a stable `code`, a message for humans and, for `validation`, the offending fields. */
export const AdminErrorBody = z
  .object({
    error: z
      .object({
        code: AdminErrorCode,
        message: z.string(),
        fields: z.array(z.object({ path: z.string(), message: z.string() }).strict()).optional(),
      })
      .strict(),
  })
  .strict();
export type AdminErrorBody = z.infer<typeof AdminErrorBody>;
