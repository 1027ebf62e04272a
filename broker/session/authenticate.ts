/**
 * Asking the authorizer, bounded in time: a verifier that does not answer is the same as one that
 * is down, and both mean "cannot decide", which is a refusal (fail closed).
 *
 * @module broker/session/authenticate
 */
import type { AuthenticateDecision, AuthenticateRequest } from '../../schemas/index.js';
import type { BrokerCore } from '../broker.js';

export type AuthOutcome = AuthenticateDecision | { allow: 'unavailable'; error: unknown };

export async function authenticate(core: BrokerCore, request: AuthenticateRequest): Promise<AuthOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AuthOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ allow: 'unavailable', error: new Error('authorizer timed out') }), core.limits.authTimeoutMs);
  });
  try {
    return await Promise.race([
      core.authorizer.authenticate(request).catch((error: unknown): AuthOutcome => ({ allow: 'unavailable', error })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An allow whose credential already expired is a deny: the clock decides, not the cache. */
export function isStale(decision: AuthenticateDecision, now: number): boolean {
  return decision.allow && decision.expiresAt !== null && decision.expiresAt * 1000 <= now;
}
