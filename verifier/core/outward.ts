/**
 * What a CONNECT deny looks like outside the verifier's own logs and metrics. A wrong password for a
 * device that exists and any credential for a device that does not must read the same to whoever
 * tries them (same reason, same message; the password check spends one scrypt either way), or the
 * answers enumerate the registry. The core's decision keeps the precise reason for the log line and
 * the `/metrics` counter it produces; every answer that leaves the process goes through here.
 *
 * @module verifier/core/outward
 */
import type { Deny, DenyReason } from '../../schemas/index.js';

const BAD_CREDENTIALS: Deny = { allow: false, reason: 'bad_credentials', message: 'bad username, password, token or certificate' };

export function outwardReason(reason: DenyReason): DenyReason {
  return reason === 'unknown_device' ? 'bad_credentials' : reason;
}

/** The deny as callers see it: `unknown_device` and `bad_credentials` become one answer. */
export function outwardDeny(deny: Deny): Deny {
  return outwardReason(deny.reason) === 'bad_credentials' ? BAD_CREDENTIALS : deny;
}
