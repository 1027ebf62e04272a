/**
 * The error responses every admin route declares, so the OpenAPI document lists them and the
 * serializer checks them: 400 names the fields, 401 is the bearer gate, 404/409 come from the store.
 *
 * @module verifier/http/admin/responses
 */
import { AdminErrorBody } from '../../../schemas/admin.js';

export const adminErrors = { 400: AdminErrorBody, 401: AdminErrorBody, 404: AdminErrorBody } as const;
export const adminWriteErrors = { ...adminErrors, 409: AdminErrorBody } as const;
