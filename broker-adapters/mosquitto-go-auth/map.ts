/** mosquitto-go-auth requests to core requests (wire contract: `test/captures/mosquitto-go-auth.md`). */
import { z } from 'zod';
import type { AuthenticateRequest, AuthorizeAction, AuthorizeRequest } from '../../schemas/index.js';
import { InvalidField } from '../errors.js';
import { parseParams, wireString } from '../fields.js';

/** What the operator put in the URI: how go-auth reads our 2xx answers (`auth_opt_http_response_mode`). */
export const RESPONSE_MODES = ['status', 'json', 'text'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

export const UserParams = z.object({ clientid: wireString, username: wireString, password: wireString });
export const SuperuserParams = z.object({ username: wireString });

/** `mosquitto_plugin.h`: 1 READ (a delivery), 2 WRITE, 3 both, 4 SUBSCRIBE; a string in form mode. */
const Acc = z
  .union([z.number(), z.string().regex(/^\d{1,2}$/)])
  .transform(Number)
  .pipe(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)], { message: 'must be 1, 2, 3 or 4' }));

export const AclParams = z.object({
  acc: Acc,
  clientid: wireString,
  topic: wireString.min(1),
  username: wireString.optional(),
});
export type AclParams = z.infer<typeof AclParams>;

export const JwtIdentityParams = z.object({ username: wireString.optional(), clientid: wireString.optional() });

export function parseUser(raw: unknown): AuthenticateRequest {
  const p = parseParams(UserParams, raw);
  return { clientId: p.clientid, username: p.username, password: p.password };
}

export function parseSuperuser(raw: unknown): { username: string } {
  return parseParams(SuperuserParams, raw);
}

export function parseAcl(raw: unknown): AclParams {
  return parseParams(AclParams, raw);
}

/** JWT user/superuser bodies: `null`, empty or `{username}`; all we may use is an explicit client id. */
export function parseJwtIdentity(raw: unknown): { clientId?: string } {
  if (raw === null || raw === undefined || raw === '') return {};
  const p = parseParams(JwtIdentityParams, raw);
  return p.clientid !== undefined ? { clientId: p.clientid } : {};
}

/** READ, a delivery, is checked as subscribing to that topic: a deny on it stops retained and will copies too. */
export function aclActions(acc: AclParams['acc']): AuthorizeAction[] {
  if (acc === 2) return ['publish'];
  if (acc === 3) return ['subscribe', 'publish'];
  return ['subscribe'];
}

export function toAuthorizeRequests(p: AclParams): AuthorizeRequest[] {
  if (p.username === undefined) throw new InvalidField('username', 'required by the http backend');
  const username = p.username;
  return aclActions(p.acc).map((action) => ({ clientId: p.clientid, username, action, topic: p.topic }));
}

export function bearerToken(header: string | undefined): string {
  const match = header === undefined ? null : /^Bearer +(\S+)$/i.exec(header);
  if (match === null) throw new InvalidField('authorization', 'expected "Bearer <token>"');
  return match[1]!;
}

/** The token's unverified `sub` where go-auth sends no client id; every acl check binds the real one. */
export function tokenSubject(token: string): string {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const sub = (payload as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' ? sub : '';
  } catch {
    return '';
  }
}
