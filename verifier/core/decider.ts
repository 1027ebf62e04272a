// Cross-cutting duties: log every authenticate decision (never a secret) and authorize denies, report to
// `onDecision`, rethrow faults as `VerifierError`, drop caches on registry changes synchronously.
import { setTimeout as delay } from 'node:timers/promises';
import type { BrokerRefusal, AuthenticateDecision, CompiledAcl, AuthenticateRequest, AuthorizeDecision, AuthorizeRequest, Change, Explanation, RightsDecision, RightsRequest } from '../../schemas/index.js';
import { LineBatch } from '../../logging/line-batch.js';
import { LogLimiter } from '../../logging/log-limiter.js';
import { AclCache } from './acl-cache.js';
import { createAuthenticateContext, runAuthenticate, type AuthenticateContext, type AuthenticateDeps } from './authenticate.js';
import { Admissions, DEFAULT_ADMISSIONS } from './admissions.js';
import { createIdentityResolver, decideAuthorize, deny, hasUnsafeIdentity } from './authorize.js';
import { explainAuthorize, type ExplainQuery } from './explain.js';
import { establishIdentity, type IdentityClaim } from './establish.js';
import type { DeciderDeps, DecisionEvent } from './types.js';
import { InternalError, VerifierError } from './errors.js';
import { guardRegistry } from './guarded-registry.js';
import { decideRights } from './rights.js';
import { Lockout } from './lockout.js';
import { DEFAULT_RECENT_DECISIONS, RecentDecisions, type DecisionInput } from './recent-decisions.js';
import { RecordCache } from './record-cache.js';
import { RulesCache } from './rules-cache.js';
import type { RegistryStore } from './ports.js';
import type { AuthenticateOptions, AuthorizeOptions, AuthorizeQuestion, Decider, SuperuserClaim } from './types.js';
import { commonNameFromSubject } from './dn.js';

export interface DeciderStats {
  lockedDevices: number;
  lockedAddresses: number;
  cache: { size: number; hits: number; misses: number };
  admissions: number;
}

export interface ManagedDecider extends Decider {
  /** `authenticate` without a promise when no step had to wait: the HTTP route answers a reconnect at once. */
  authenticateNow(request: AuthenticateRequest, options?: AuthenticateOptions): AuthenticateDecision | Promise<AuthenticateDecision>;
  stats(): DeciderStats;
  /** The authorize decision for an identity with its trace (the admin explainer); nothing is logged or counted. */
  explain(query: ExplainQuery): Explanation;
  /** Every recent deny and a sample of allows, for operators. */
  readonly recent: RecentDecisions;
  /** A request the bundled broker refused itself, kept among the recent decisions; `broker` names who told (default `bundled`). */
  recordRefusal(refusal: BrokerRefusal, broker?: string): void;
  close(): void;
}

export function createDecider(deps: DeciderDeps): ManagedDecider {
  const { logger, config, onDecision } = deps;
  const guarded = guardRegistry(deps.registry);
  const rules = new RulesCache(guarded.rulesFor, config.cacheSize);
  const registry: RegistryStore = { ...guarded, rulesFor: (device) => rules.rulesFor(device) };
  // What a login reads; an acl question on a cache miss reads the registry itself.
  const records = new RecordCache(guarded, config.cacheSize);
  const loginReads: RegistryStore = {
    ...registry,
    getDevice: (id) => records.getDevice(id),
    getToken: (jti) => records.getToken(jti),
    listPasswordCredentials: (deviceId) => records.listPasswordCredentials(deviceId),
  };
  const cache = new AclCache(config.cacheSize);
  const lockout = new Lockout(config.lockout, deps.clock);
  const sleep = deps.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const connectionAcls = new AclCache<CompiledAcl>(config.cacheSize);
  const loginDeps: AuthenticateDeps = { ...deps, registry: loginReads, lockout, sleep, connectionAcls };
  const resolver = createIdentityResolver(registry, config, cache);
  const admissions = new Admissions(config.admissions ?? DEFAULT_ADMISSIONS, () => deps.clock.now());
  // A few warn lines per reason and window, then a summary; the metrics keep exact counts.
  const denials = new LogLimiter((fields, message) => logger.warn(fields, message));
  // Every allowed login is logged, gathered into one info line a second: a line each cost more than the login.
  const allows = new LineBatch<AllowedLogin>((fields, message) => logger.info(fields, message), 'authentications allowed', { sizeOf: allowedLoginBytes });
  const recent = new RecentDecisions(config.recentDecisions ?? DEFAULT_RECENT_DECISIONS, () => deps.clock.now());
  const stopListening = deps.registry.onChange((change: Change) => {
    rules.invalidate(change);
    records.invalidate(change);
    for (const acls of [cache, connectionAcls]) {
      if (change.kind === 'all') acls.clear();
      else acls.invalidate(change.deviceId);
    }
    admissions.touch(change.kind === 'all' ? null : change.deviceId);
  });

  function report(event: DecisionEvent): void {
    if (!onDecision) return;
    try {
      onDecision(event);
    } catch (err) {
      logger.error({ err }, 'onDecision listener threw');
    }
  }

  /** Never an allow, never swallowed. */
  function fault(err: unknown, kind: DecisionEvent['kind'], context: object): never {
    const wrapped = err instanceof VerifierError ? err : new InternalError('decision failed', { cause: err });
    logger.error({ err: wrapped, code: wrapped.code, kind, ...context }, `${kind} could not be decided`);
    throw wrapped;
  }

  /** The decision now when no step had to wait (a reconnect), else its promise; faults throw or reject. */
  function authenticateNow(request: AuthenticateRequest, options: AuthenticateOptions = {}): AuthenticateDecision | Promise<AuthenticateDecision> {
    const started = performance.now();
    const ctx = createAuthenticateContext(loginDeps, request, options);
    let outcome: AuthenticateDecision | Promise<AuthenticateDecision>;
    try {
      outcome = runAuthenticate(ctx);
    } catch (err) {
      fault(err, 'authenticate', loginFields(request));
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (decision) => concludeLogin(ctx, decision, started),
        (err: unknown) => fault(err, 'authenticate', loginFields(request)),
      );
    }
    return concludeLogin(ctx, outcome, started);
  }

  /** Admission, recent decisions, log and metrics of a decided login. */
  function concludeLogin(ctx: AuthenticateContext, decision: AuthenticateDecision, started: number): AuthenticateDecision {
    const { request, options } = ctx;
    const durationMs = performance.now() - started;
    if (decision.allow && options.admitFor !== undefined) {
      admissions.admit(options.admitFor, request.clientId, request.username || undefined, decision);
    }
    if (recent.keeps(decision.allow, started)) recent.record(authenticationRecord(request, options.admitFor ?? 'bundled', decision, ctx));
    if (decision.allow) {
      const { clientId, peerAddress, protocol } = request;
      allows.add({ time: deps.clock.now(), clientId, deviceId: decision.deviceId, credential: decision.credential.kind, peerAddress, protocol, durationMs });
      report({ kind: 'authenticate', allow: true, durationMs });
    } else {
      const { deviceId, credential } = deniedIdentity(ctx);
      denials.log(
        request.clientId,
        { ...loginFields(request), deviceId, credential, reason: decision.reason, message: decision.message, durationMs },
        'authenticate denied',
      );
      report({ kind: 'authenticate', allow: false, reason: decision.reason, durationMs });
    }
    return decision;
  }

  function establish(claim: IdentityClaim, caller: string | undefined) {
    if (hasUnsafeIdentity(claim)) return deny('invalid_request', 'clientId or username contains control characters');
    return establishIdentity(admissions, registry, deps.clock.now(), caller, claim);
  }

  function authorize(question: AuthorizeQuestion, caller?: string, options: AuthorizeOptions = {}): AuthorizeDecision {
    const started = performance.now();
    const request: AuthorizeRequest = withSubjectClaim(question, options.trustCertSubject);
    let decision: AuthorizeDecision;
    let deviceId = request.deviceId ?? null;
    try {
      const who = establish(request, caller);
      if (!('allow' in who)) deviceId = who.deviceId;
      decision = 'allow' in who ? who : decideAuthorize(resolver, who, request);
    } catch (err) {
      fault(err, 'authorize', { clientId: request.clientId, deviceId: request.deviceId });
    }
    const durationMs = performance.now() - started;
    if (recent.keeps(decision.allow, started)) {
      const { reason = null, message = null } = decision.allow ? {} : decision;
      const { clientId, action, topic } = request;
      recent.record({ kind: 'authorize', allow: decision.allow, reason, message, deviceId, clientId, broker: caller ?? 'in-process', peerAddress: null, credential: null, action, topic });
    }
    if (!decision.allow) {
      const { clientId, action, topic, qos, retain } = request;
      const fields = { caller, clientId, deviceId: request.deviceId, action, topic, qos, retain, reason: decision.reason, message: decision.message };
      if (options.quiet) logger.debug(fields, 'authorize denied');
      else denials.log(`${caller}\u0000${clientId}`, fields, 'authorize denied');
    }
    report(decision.allow ? { kind: 'authorize', allow: true, durationMs } : { kind: 'authorize', allow: false, reason: decision.reason, durationMs });
    return decision;
  }

  function isSuperuser(question: SuperuserClaim, caller?: string, options: Pick<AuthorizeOptions, 'trustCertSubject'> = {}): boolean {
    const claim = withSubjectClaim(question, options.trustCertSubject);
    try {
      // go-auth's superuser request names only the username: any client of this caller admitted with it.
      const clientId = claim.clientId ?? (caller === undefined || claim.username === undefined ? undefined : admissions.clientIdByUsername(caller, claim.username));
      if (clientId === undefined) return false;
      const who = establish({ ...claim, clientId }, caller);
      if ('allow' in who) return false;
      const resolved = resolver.resolve(who);
      return !!resolved && resolved.enabled && resolved.superuser;
    } catch (err) {
      fault(err, 'authorize', { clientId: claim.clientId, deviceId: claim.deviceId });
    }
  }

  function rights(request: RightsRequest): RightsDecision {
    let decision: RightsDecision;
    try {
      decision = decideRights(registry, config, request);
    } catch (err) {
      fault(err, 'authorize', { clientId: request.clientId, deviceId: request.deviceId });
    }
    if (!decision.allow) logger.info({ clientId: request.clientId, deviceId: request.deviceId, reason: decision.reason }, 'rights denied');
    return decision;
  }

  return {
    async authenticate(request, options) {
      return authenticateNow(request, options);
    },
    authenticateNow,
    authorize,
    isSuperuser,
    // Registered after the core's own listener (at creation), so its caches are already fresh.
    onChange: (listener) => deps.registry.onChange(listener),
    rights,
    explain: (query) => explainAuthorize(registry, config, query),
    recent,
    recordRefusal(refusal, broker = 'bundled') {
      const { clientId, deviceId, action, topic, peerAddress, reason, message } = refusal;
      const kind = action === 'connect' ? 'authenticate' : 'authorize';
      recent.record({ kind, allow: false, reason, message, deviceId, clientId, broker, peerAddress, credential: null, action: action === 'connect' ? null : action, topic });
    },
    stats: () => ({ ...lockout.stats(), cache: { size: cache.size, hits: cache.hits, misses: cache.misses }, admissions: admissions.size }),
    close() {
      stopListening();
      recent.close();
      denials.flush();
      allows.flush();
      cache.clear();
      connectionAcls.clear();
      records.clear();
      rules.invalidate({ kind: 'all' });
    },
  };
}

/** Who a denied attempt was about, as far as it got. */
function deniedIdentity(ctx: AuthenticateContext): { deviceId: string | undefined; credential: string | undefined } {
  return { deviceId: ctx.identified?.deviceId ?? ctx.lockKeys.device, credential: ctx.identified?.credential.kind };
}

function authenticationRecord(request: AuthenticateRequest, broker: string, decision: AuthenticateDecision, ctx: AuthenticateContext): DecisionInput {
  const where = { kind: 'authenticate', clientId: request.clientId, broker, peerAddress: request.peerAddress ?? null, action: null, topic: null } as const;
  if (decision.allow) return { ...where, allow: true, reason: null, message: null, deviceId: decision.deviceId, credential: decision.credential.kind };
  const { deviceId, credential } = deniedIdentity(ctx);
  return { ...where, allow: false, reason: decision.reason, message: decision.message ?? null, deviceId: deviceId ?? null, credential: credential ?? null };
}

function loginFields({ clientId, peerAddress, protocol }: AuthenticateRequest) {
  return { clientId, peerAddress, protocol };
}

/** Its JSON's size, about: the ids and address as given, the fixed fields about 120 bytes. */
function allowedLoginBytes(entry: AllowedLogin): number {
  return 120 + entry.clientId.length + (entry.deviceId?.length ?? 0) + (entry.peerAddress?.length ?? 0);
}

interface AllowedLogin {
  time: number;
  clientId: string;
  peerAddress: string | undefined;
  protocol: string | undefined;
  deviceId: string | null;
  credential: string;
  durationMs: number;
}

/** A trusted certificate subject claims the device its CN names, as at CONNECT; an untrusted one claims nothing. */
function withSubjectClaim<T extends { deviceId?: string | undefined; certSubject?: string | undefined }>(question: T, trust: boolean | undefined): Omit<T, 'certSubject'> {
  if (question.certSubject === undefined) return question;
  const { certSubject, ...claim } = question;
  const deviceId = claim.deviceId ?? (trust ? commonNameFromSubject(certSubject) : undefined);
  return deviceId === undefined ? claim : { ...claim, deviceId };
}
