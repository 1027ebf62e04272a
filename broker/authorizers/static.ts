// Fixed answers for tests and local development; tests replace the decision and announce changes.
import type {
  AuthenticateAllow,
  AuthenticateDecision,
  AuthenticateRequest,
  Change,
  CompiledAcl,
  DenyReason,
  RightsDecision,
} from '../../schemas/index.js';
import type { Authorizer } from '../authorizer.js';
import { AuthorizerUnavailableError } from '../errors.js';

/** A decision, or a function of the request (tests that treat clients differently). */
export type StaticDecision =
  | AuthenticateDecision
  | 'unavailable'
  | ((request: AuthenticateRequest) => AuthenticateDecision | 'unavailable' | Promise<AuthenticateDecision | 'unavailable'>);

export interface StaticAuthorizer extends Authorizer {
  /** Answers future CONNECTs (and rechecks) with this instead. */
  setDecision(decision: StaticDecision): void;
  /** Tells listeners something changed, as a registry would. */
  announce(change: Change): void;
}

/** An ACL allowing everything: local development only. */
export const ALLOW_ALL_ACL: CompiledAcl = { rules: [], noMatch: 'allow' };

export function allow(acl: CompiledAcl = ALLOW_ALL_ACL, overrides: Partial<AuthenticateAllow> = {}): AuthenticateAllow {
  return {
    allow: true,
    deviceId: null,
    incarnation: null,
    superuser: false,
    groups: [],
    credential: { kind: 'anonymous' },
    expiresAt: null,
    acl,
    ...overrides,
  };
}

/** The rights a CONNECT decision gives, for authorizers whose rights are what a CONNECT would get. */
export function rightsOf(decision: AuthenticateDecision): RightsDecision {
  return decision.allow ? { allow: true, superuser: decision.superuser, acl: decision.acl } : decision;
}

export function deny(reason: DenyReason): AuthenticateDecision {
  return { allow: false, reason };
}

export function createStaticAuthorizer(initial: StaticDecision = allow()): StaticAuthorizer {
  let decision = initial;
  const listeners = new Set<(change: Change) => void>();
  return {
    async authenticate(request) {
      const answer = typeof decision === 'function' ? await decision(request) : decision;
      if (answer === 'unavailable') throw new AuthorizerUnavailableError('static authorizer set to unavailable');
      return answer;
    },
    async rights(request) {
      // The identity's rights are what a CONNECT of it would be given now.
      const answer = typeof decision === 'function' ? await decision({ clientId: request.clientId, username: request.username }) : decision;
      if (answer === 'unavailable') throw new AuthorizerUnavailableError('static authorizer set to unavailable');
      return rightsOf(answer);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
    setDecision(next) {
      decision = next;
    },
    announce(change) {
      for (const listener of listeners) listener(change);
    },
  };
}
