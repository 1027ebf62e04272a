// All the broker knows of authentication and authorization (Mosquitto's basic-auth and ACL-check events as one
// port). The ACL comes with the identity and is enforced locally, so SUBSCRIBE and PUBLISH cost no round trip.
import type { BrokerRefusal, AuthenticateDecision, AuthenticateRequest, Change, RightsDecision, RightsRequest } from '../schemas/index.js';

export interface Authorizer {
  /** Rejects (`AuthorizerUnavailableError`) only when no decision could be made: "server unavailable". */
  authenticate(request: AuthenticateRequest): Promise<AuthenticateDecision>;
  /** For an identity not connected (a stored session, a delayed will): deny when it was removed, created again or disabled. */
  rights(request: RightsRequest): Promise<RightsDecision>;
  /** Told of each request the broker refused itself (ACL, quota, session owner), for the verifier's record of decisions. */
  refused?(refusal: BrokerRefusal): void;
  /** It logs each allowed authentication at info (client id, peer, device): the broker's "client connected" then goes to debug. */
  readonly logsAllows?: boolean;
  /** Registry changes: the broker re-authenticates the affected connections and asks `rights` for stored sessions. */
  onChange(callback: (change: Change) => void): () => void;
  close(): Promise<void>;
}
