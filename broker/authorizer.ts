/**
 * THE PORT: the only thing the broker knows about authentication and authorization (Mosquitto's
 * basic-auth and ACL-check events, as one interface). The CONNECT decision carries the device's
 * compiled ACL, which the broker enforces locally with `checkAcl` from schemas, so SUBSCRIBE and
 * PUBLISH cost no round trip. Changes announced through `onChange` make the broker re-authenticate the
 * affected connections and ask `rights` for the affected stored sessions.
 *
 * Implementations: in-process (the verifier core in this process), HTTP (the verifier's native
 * endpoints over undici), static (tests and local development).
 *
 * @module broker/authorizer
 */
import type { AuthenticateDecision, AuthenticateRequest, Change, RightsDecision, RightsRequest } from '../schemas/index.js';

export interface Authorizer {
  /**
   * Decides a CONNECT. Resolves with allow or deny; rejects (with an `AuthorizerUnavailableError`)
   * only when no decision could be made, which the broker answers with "server unavailable".
   */
  authenticate(request: AuthenticateRequest): Promise<AuthenticateDecision>;
  /**
   * The rights of an identity that is not connected (a stored session after a change, a delayed
   * will): allow with its ACL, or deny when it was removed, created again or disabled. Rejects like
   * `authenticate` when no decision could be made.
   */
  rights(request: RightsRequest): Promise<RightsDecision>;
  /** Registers a listener for registry changes; returns the function that removes it. */
  onChange(listener: (change: Change) => void): () => void;
  close(): Promise<void>;
}

/** The verifier could not be asked or could not decide: fail closed. */
export class AuthorizerUnavailableError extends Error {
  static readonly code = 'ERR_AUTHORIZER_UNAVAILABLE';
  readonly code = AuthorizerUnavailableError.code;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthorizerUnavailableError';
  }
}
