/**
 * Types of the decision core that are not wire contracts.
 *
 * @module verifier/core/types
 */
import type { AclAction, AclSubject, Change, Permission } from '../../schemas/index.js';
export type { Change } from '../../schemas/index.js';

/** A stored ACL rule. `topic` may hold `${clientid}`, `${username}` and `${device}` placeholders. */
export interface AclRule {
  id: number;
  subject: AclSubject;
  action: AclAction;
  topic: string;
  eq: boolean;
  qos: Array<0 | 1 | 2> | null;
  retain: boolean | null;
  permission: Permission;
  priority: number;
}

import type {
  AuthenticateDecision,
  AuthenticateRequest,
  AuthorizeDecision,
  AuthorizeRequest,
  RightsDecision,
  RightsRequest,
} from '../../schemas/index.js';

export interface AuthenticateOptions {
  /**
   * Accept `certSubject` (a subject DN handed over by a broker that verified the client certificate
   * against the verifier's device CA) as proof of the certificate. Only adapter routes whose operator
   * documented that trust set this; everywhere else a subject alone proves nothing.
   */
  trustCertSubject?: boolean;
  /**
   * Record an allow as this client id's identity for later acl / superuser requests of this caller
   * (`admissions.ts`): a broker route names itself and its address here, e.g. `nanomq 10.0.0.5`.
   */
  admitFor?: string;
}

export interface AuthorizeOptions {
  /**
   * The request is the broker's own bookkeeping, not something the client did (NanoMQ's
   * `$SYS/brokers/client_status/<clientid>` event on every connect and disconnect): a denial is logged
   * at debug, not warn, so normal connects do not fill the log.
   */
  quiet?: boolean;
}

/** Who a superuser request is about: the client id, or (go-auth, which sends nothing else) only the username. */
export interface SuperuserClaim {
  clientId?: string | undefined;
  username?: string | undefined;
  deviceId?: string | undefined;
}

/**
 * The decision core's public face: used in-process by the bundled broker and over HTTP by the native
 * endpoints and the broker adapters. Denies are values; faults (store gone) reject or throw a coded
 * `VerifierError`, and every caller turns that into a deny or a 5xx, never an allow.
 *
 * `authorize` and `isSuperuser` are synchronous: they read the in-memory cache and, on a miss, the
 * synchronous registry, and they are the hot path of every broker (a promise per call is measurable
 * at the rates brokers ask). `authenticate` awaits signatures, password hashes and JWKS fetches.
 */
export interface Decider {
  authenticate(request: AuthenticateRequest, options?: AuthenticateOptions): Promise<AuthenticateDecision>;
  /**
   * Decides for the identity `request.clientId` last authenticated as through `caller` (see
   * `AuthenticateOptions.admitFor`); without such a record the answer is `not_authenticated`.
   */
  authorize(request: AuthorizeRequest, caller?: string, options?: AuthorizeOptions): AuthorizeDecision;
  /** Is the identity this client authenticated as (through `caller`) an enabled superuser? Served from cache: brokers ask before every ACL check. */
  isSuperuser(claim: SuperuserClaim, caller?: string): boolean;
  /**
   * Registry changes, announced after the core dropped its own cached entries: callers that keep
   * decisions of their own (go-auth's token cache) drop theirs here. Returns the function that stops it.
   */
  onChange(listener: (change: Change) => void): () => void;
  /** The rights of one identity now, without a credential (see `RightsRequest`). */
  rights(request: RightsRequest): RightsDecision;
}
