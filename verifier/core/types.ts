/**
 * Types: the core's public face (`Decider`), what callers give it (options, `createDecider`'s
 * config and deps) and what it reports. What it needs from outside is in `ports.ts`.
 *
 * @module verifier/core/types
 */
import type {
  AuthenticateDecision,
  AuthenticateRequest,
  AuthorizeDecision,
  AuthorizeRequest,
  Change,
  DenyReason,
  RightsDecision,
  RightsRequest,
} from '../../schemas/index.js';
import type { AdmissionsConfig } from './admissions.js';
import type { RecentDecisionsOptions } from './recent-decisions.js';
import type { Clock, ExternalKeyResolver, KeyRing, Logger, RegistryStore } from './ports.js';

export type { Change } from '../../schemas/index.js';

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
  /** As at CONNECT: a trusted `certSubject` claims the device its CN names (the record must agree); an untrusted one claims nothing. */
  trustCertSubject?: boolean;
}

/** An acl question: the wire request and, from an adapter, the certificate subject its broker saw. */
export type AuthorizeQuestion = AuthorizeRequest & { certSubject?: string | undefined };

/** Who a superuser request is about: the client id, or (go-auth, which sends nothing else) only the username. */
export interface SuperuserClaim {
  clientId?: string | undefined;
  username?: string | undefined;
  deviceId?: string | undefined;
  certSubject?: string | undefined;
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
  authorize(request: AuthorizeQuestion, caller?: string, options?: AuthorizeOptions): AuthorizeDecision;
  /** Is the identity this client authenticated as (through `caller`) an enabled superuser? Served from cache: brokers ask before every ACL check. */
  isSuperuser(claim: SuperuserClaim, caller?: string, options?: Pick<AuthorizeOptions, 'trustCertSubject'>): boolean;
  /**
   * Registry changes, announced after the core dropped its own cached entries: callers that keep
   * decisions of their own (go-auth's token cache) drop theirs here. Returns the function that stops it.
   */
  onChange(listener: (change: Change) => void): () => void;
  /** The rights of one identity now, without a credential (see `RightsRequest`). */
  rights(request: RightsRequest): RightsDecision;
}

/** Brute-force protection, see `lockout.ts`. */
export interface LockoutConfig {
  /** Failures older than this are forgotten (sliding window). */
  windowSeconds: number;
  /** After this many failures in the window, each further attempt is delayed. */
  slowAfter: number;
  /** After this many failures in the window, attempts are refused with `locked_out`. */
  lockAfter: number;
  lockSeconds: number;
  /** First delay after `slowAfter`; doubles per further failure up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Most device ids and most addresses tracked at once; the oldest is forgotten first. */
  maxTrackedKeys: number;
}

export interface DeciderConfig {
  /** `iss` of the tokens the verifier issues. */
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  aclNoMatch: 'allow' | 'deny';
  allowAnonymous: boolean;
  /** Most (device, client id, username) ACL entries kept in memory. */
  cacheSize: number;
  lockout: LockoutConfig;
  /** Bounds of the record of who each webhook client authenticated as (`admissions.ts`); defaults apply when absent. */
  admissions?: AdmissionsConfig;
  /** Bounds of the in-memory record of recent decisions (`recent-decisions.ts`); defaults apply when absent. */
  recentDecisions?: RecentDecisionsOptions;
}

export interface DecisionEvent {
  kind: 'authenticate' | 'authorize';
  allow: boolean;
  /** Set on deny. */
  reason?: DenyReason;
  durationMs: number;
}

export interface DeciderDeps {
  registry: RegistryStore;
  keys: KeyRing;
  externalKeys?: ExternalKeyResolver;
  clock: Clock;
  logger: Logger;
  config: DeciderConfig;
  onDecision?: (event: DecisionEvent) => void;
  /** How a lockout delay waits; tests inject a recorder. Defaults to `node:timers/promises` setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}
