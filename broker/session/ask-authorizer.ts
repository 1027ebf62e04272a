// No answer within the deadline means "cannot decide": a refusal (fail closed).
import type { AuthenticateDecision, AuthenticateRequest, RightsDecision, RightsRequest } from '../../schemas/index.js';
import type { BrokerState } from '../state.js';

type Undecided = { allow: 'unavailable'; error: unknown };
export type AuthOutcome = AuthenticateDecision | Undecided;
export type RightsOutcome = RightsDecision | Undecided;

/** What the verifier is told it has to answer in: our timeout, less room for the way back. */
function answerBudgetMs(timeoutMs: number): number {
  return Math.max(0, Math.floor(timeoutMs * 0.75) - 50);
}

/** Our deadline goes along, so a lockout answers deny in time; a recheck says it is no login attempt (no lockout ends it). */
export function authenticateNow(core: BrokerState, request: AuthenticateRequest, purpose: 'connect' | 'recheck' = 'connect'): Promise<AuthOutcome> {
  request = { ...request, answerWithinMs: answerBudgetMs(core.limits.authTimeoutMs), ...(purpose === 'recheck' && { recheck: true }) };
  return withDeadline(core, ask(() => core.authorizer.authenticate(request)));
}

/** The rights of an identity that is not connected (`Authorizer.rights`), bounded the same way. */
export function rightsNow(core: BrokerState, request: RightsRequest): Promise<RightsOutcome> {
  return withDeadline(core, ask(() => core.authorizer.rights(request)));
}

/** An authorizer that throws instead of rejecting is as undecided as one that rejects. */
function ask<T>(question: () => Promise<T>): Promise<T> {
  try {
    return question();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** An allow whose credential already expired is a deny: the clock decides, not the cache. */
export function isStale(decision: AuthenticateDecision, now: number): boolean {
  return decision.allow && decision.expiresAt !== null && decision.expiresAt * 1000 <= now;
}

/** Settled by the answer or by `core.authWaits` at the deadline, whichever comes first. */
function withDeadline<T>(core: BrokerState, pending: Promise<T>): Promise<T | Undecided> {
  return new Promise<T | Undecided>((resolve) => {
    core.authWaits.add(resolve);
    pending.then(
      (value) => core.authWaits.delete(resolve) && resolve(value),
      (error: unknown) => core.authWaits.delete(resolve) && resolve({ allow: 'unavailable', error }),
    );
  });
}
