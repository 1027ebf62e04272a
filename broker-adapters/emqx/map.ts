/**
 * EMQX 5 request bodies to core requests and core answers to EMQX bodies (pure; wire contract:
 * `test/captures/emqx.md`). EMQX fills a placeholder it cannot fill with `''`: empty means absent.
 */
import { z } from 'zod';
import type { AuthenticateAllow, AuthenticateRequest, AuthorizeRequest } from '../../schemas/index.js';
import { blankAsAbsent, lenientBool, lenientQos, parseParams, wireString } from '../fields.js';

export const AuthnParams = z.object({
  clientid: wireString,
  username: blankAsAbsent(wireString),
  /** Empty: the client sent no password (EMQX cannot tell us apart from an empty one). */
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

/**
 * The CONNECT request. `cert_subject` is handed over as it is: the core decides whether it counts
 * (`trustCertSubject`). `cert_cn` / `cert_common_name` are accepted for templates that send them but
 * never passed on: a CN is only as good as its full subject.
 */
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

/**
 * The authn answer for an allowed client. `expire_at` is omitted when the credential never expires.
 * No `acl`: EMQX would hold that list for the whole session ahead of every authorization source, so a
 * rule removed or a device disabled would not reach it, and by its own matching a `#` subscription
 * would pass a narrower deny. Every check goes through `/emqx/authz`, which decides from today's rights.
 */
export function toAuthnAllow(decision: AuthenticateAllow) {
  return {
    result: 'allow' as const,
    is_superuser: decision.superuser,
    ...(decision.expiresAt !== null && { expire_at: decision.expiresAt }),
  };
}
