/**
 * The port: all the broker knows of authentication and authorization (Mosquitto's basic-auth and
 * ACL-check events as one interface). `authenticate` decides a CONNECT and returns the identity with
 * its compiled ACL, which the broker enforces locally (`checkAcl`), so SUBSCRIBE and PUBLISH cost no
 * round trip; `rights` answers for an identity that is not connected. Implementations live in
 * `authorizers/`: in-process (the verifier core), HTTP (the verifier's endpoints), static (tests).
 *
 * @module broker/authorizer
 */
import type { BrokerRefusal, AuthenticateDecision, AuthenticateRequest, Change, RightsDecision, RightsRequest } from '../schemas/index.js';

export interface Authorizer {
  /**
   * Who the client is and what it may do. Resolves with allow or deny; rejects (with an
   * `AuthorizerUnavailableError`) only when no decision could be made: "server unavailable".
   */
  authenticate(request: AuthenticateRequest): Promise<AuthenticateDecision>;
  /**
   * The rights of an identity that is not connected (a stored session after a change, a delayed
   * will): allow with its ACL, or deny when it was removed, created again or disabled. Rejects like
   * `authenticate`.
   */
  rights(request: RightsRequest): Promise<RightsDecision>;
  /** Told of each request the broker refused itself (ACL, quota, session owner), for the verifier's record of decisions. */
  refused?(refusal: BrokerRefusal): void;
  /** Registry changes: the broker re-authenticates the affected connections and asks `rights` for stored sessions. */
  onChange(callback: (change: Change) => void): () => void;
  close(): Promise<void>;
}
