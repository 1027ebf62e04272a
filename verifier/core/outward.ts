/** Outside the verifier an unknown device and a wrong password read the same, or answers enumerate the registry. */
import type { Deny, DenyReason } from '../../schemas/index.js';

const BAD_CREDENTIALS: Deny = { allow: false, reason: 'bad_credentials', message: 'bad username, password, token or certificate' };

export function outwardReason(reason: DenyReason): DenyReason {
  return reason === 'unknown_device' ? 'bad_credentials' : reason;
}

/** The deny as callers see it: `unknown_device` and `bad_credentials` become one answer. */
export function outwardDeny(deny: Deny): Deny {
  return outwardReason(deny.reason) === 'bad_credentials' ? BAD_CREDENTIALS : deny;
}
