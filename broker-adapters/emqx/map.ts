/** EMQX 5 bodies to core requests and back (`test/captures/emqx.md`); EMQX sends `''` for absent. */
import { z } from 'zod';
import type { AuthenticateAllow, AuthenticateRequest, AuthorizeRequest } from '../../schemas/index.js';
import { blankAsAbsent, lenientBool, lenientQos, parseParams, wireString } from '../fields.js';

export const AuthnParams = z.object({
  clientid: wireString,
  username: blankAsAbsent(wireString),
  password: blankAsAbsent(wireString),
  peerhost: blankAsAbsent(z.string().max(128)),
  cert_cn: blankAsAbsent(z.string().max(4096)),
  cert_common_name: blankAsAbsent(z.string().max(4096)),
  cert_subject: blankAsAbsent(z.string().max(4096)),
});
export type AuthnParams = z.infer<typeof AuthnParams>;

export const AuthzParams = z.object({
  clientid: wireString,
  username: blankAsAbsent(wireString),
  peerhost: blankAsAbsent(z.string().max(128)),
  action: z.enum(['publish', 'subscribe'], { message: 'must be "publish" or "subscribe"' }),
  topic: wireString.min(1),
  qos: blankAsAbsent(lenientQos),
  retain: blankAsAbsent(lenientBool),
});
export type AuthzParams = z.infer<typeof AuthzParams>;

export function parseAuthn(raw: unknown): AuthnParams {
  return parseParams(AuthnParams, raw);
}

export function parseAuthz(raw: unknown): AuthzParams {
  return parseParams(AuthzParams, raw);
}

/** The core decides whether `cert_subject` counts; `cert_cn` is never passed on: a CN is only as good as its subject. */
export function toAuthenticate(p: AuthnParams): AuthenticateRequest {
  return {
    clientId: p.clientid,
    ...(p.username !== undefined && { username: p.username }),
    ...(p.password !== undefined && { password: p.password }),
    ...(p.peerhost !== undefined && { peerAddress: p.peerhost }),
    ...(p.cert_subject !== undefined && { certSubject: p.cert_subject }),
  };
}

export function toAuthorize(p: AuthzParams): AuthorizeRequest {
  return {
    clientId: p.clientid,
    ...(p.username !== undefined && { username: p.username }),
    action: p.action,
    topic: p.topic,
    ...(p.qos !== undefined && { qos: p.qos }),
    ...(p.retain !== undefined && { retain: p.retain }),
  };
}

/** No `acl`: EMQX would hold it for the whole session ahead of `/emqx/authz`, which decides from today's rights. */
export function toAuthnAllow(decision: AuthenticateAllow) {
  return {
    result: 'allow' as const,
    is_superuser: decision.superuser,
    ...(decision.expiresAt !== null && { expire_at: decision.expiresAt }),
  };
}
