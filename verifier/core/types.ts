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
  /** Trust a broker-verified `certSubject` as proof of the certificate; only documented adapter routes set this. */
  trustCertSubject?: boolean;
  /** Record an allow as this client id's identity for later acl/superuser requests of `caller` (`admissions.ts`). */
  admitFor?: string;
}

export interface AuthorizeOptions {
  /** Broker bookkeeping (NanoMQ's `$SYS/.../client_status` event): a denial is logged at debug, not warn. */
  quiet?: boolean;
  /** A trusted `certSubject` claims the device its CN names, which the record must agree with. */
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
 * Denies are values; faults reject with a `VerifierError`, which every caller turns into a deny or a
 * 5xx. `authorize` and `isSuperuser` are synchronous: they are every broker's hot path.
 */
export interface Decider {
  authenticate(request: AuthenticateRequest, options?: AuthenticateOptions): Promise<AuthenticateDecision>;
  /** Decides for the identity `request.clientId` last authenticated as through `caller`. */
  authorize(request: AuthorizeQuestion, caller?: string, options?: AuthorizeOptions): AuthorizeDecision;
  /** Is the identity this client authenticated as (through `caller`) an enabled superuser? */
  isSuperuser(claim: SuperuserClaim, caller?: string, options?: Pick<AuthorizeOptions, 'trustCertSubject'>): boolean;
  /** Registry changes, after the core dropped its own cache entries; returns the unsubscribe function. */
  onChange(listener: (change: Change) => void): () => void;
  /** The rights of one identity now, without a credential (see `RightsRequest`). */
  rights(request: RightsRequest): RightsDecision;
}

export interface LockoutConfig {
  windowSeconds: number; // failures older than this are forgotten
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
  /** Tests inject a recorder; defaults to `node:timers/promises` setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}
