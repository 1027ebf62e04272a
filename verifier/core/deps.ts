/**
 * What `createDecider` is built from: the ports, the logger, the configuration and the metrics hook.
 * Exported from `verifier/core/index.ts`.
 *
 * @module verifier/core/deps
 */
import type { DenyReason } from '../../schemas/index.js';
import type { AdmissionsConfig } from './admissions.js';
import type { RecentDecisionsOptions } from './recent-decisions.js';
import type { Clock, ExternalKeyResolver, KeyRing, RegistryStore } from './ports.js';

/** The slice of pino the core uses (pino's logger satisfies it). */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
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
