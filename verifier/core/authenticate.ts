// Credential order: fingerprint → trusted subject → JWT → password → anonymous. A username beside a
// credential must equal the device id, so no device borrows another's name.
import type { AuthenticateDecision, AuthenticateRequest, CompiledAcl, Deny, DenyReason } from '../../schemas/index.js';
import type { AclCache } from './acl-cache.js';
import { compileAcl, namesTheClient } from './compile-acl.js';
import { checkCertificateFingerprint, checkCertificateSubject } from './credentials/certificate.js';
import { checkToken, recallOwnToken, type TokenRecall } from './credentials/jwt.js';
import { refuse, type CredentialContext, type CredentialOutcome, type Identified } from './credentials/outcome.js';
import { checkPassword, recallPasswords, type RecalledPasswords } from './credentials/password.js';
import type { DeciderDeps } from './types.js';
import { hasControlChars, isDeviceName, looksLikeJwt } from './identifiers.js';
import type { Lockout, LockoutKeys, LockoutVerdict } from './lockout.js';
import type { DeviceRecord, Logger } from './ports.js';
import type { AuthenticateOptions } from './types.js';

/** Denies that count towards a lockout: the ones a guesser produces. */
const COUNTED: ReadonlySet<DenyReason> = new Set(['bad_credentials', 'unknown_device', 'invalid_request']);

export interface AuthenticateContext extends CredentialContext {
  options: AuthenticateOptions;
  logger: Logger;
  lockout: Lockout;
  sleep: (ms: number) => Promise<void>;
  connectionAcls: AclCache<CompiledAcl>;
  lockKeys: LockoutKeys;
  /** Set when the lockout let this attempt through: end it exactly once. */
  lockoutBegun?: boolean;
  presented: Presented;
  tokenRecall?: TokenRecall;
  recalledPasswords?: RecalledPasswords;
  identified?: Identified;
  device?: DeviceRecord;
  acl?: CompiledAcl;
}

export type Presented =
  | { kind: 'certificate'; fingerprint: string }
  | { kind: 'subject'; subject: string }
  | { kind: 'token'; token: string; carrier: 'password' | 'username' }
  | { kind: 'password'; secret: string }
  | { kind: 'untrusted-subject' }
  | { kind: 'none' };

type Verdict = Deny | undefined;
/** Synchronous unless it must wait (a lockout turn, a signature, a scrypt): a reconnect makes no promise. */
type Step = (ctx: AuthenticateContext) => Verdict | Promise<Verdict>;

function deny(reason: DenyReason, message: string): Deny {
  return { allow: false, reason, message };
}

function fromRefusal(outcome: CredentialOutcome & { ok: false }): Deny {
  return deny(outcome.reason, outcome.message);
}

function rejectImpossibleInput(ctx: AuthenticateContext): Deny | undefined {
  if (hasControlChars(ctx.request.clientId)) return deny('invalid_request', 'clientId contains control characters');
  if (ctx.username !== undefined && hasControlChars(ctx.username)) return deny('invalid_request', 'username contains control characters');
  return undefined;
}

/** Anonymous, or a secret that verified before: not a guess, so no in-flight wait; a lock still holds. */
function cannotBeGuess(ctx: AuthenticateContext): boolean {
  const { presented, username } = ctx;
  switch (presented.kind) {
    case 'none':
    case 'untrusted-subject':
      return true;
    case 'token':
      ctx.tokenRecall = recallOwnToken(presented.token);
      return ctx.tokenRecall.claims !== undefined;
    case 'password':
      if (username === undefined || !isDeviceName(username)) return false;
      return recallPassword(ctx, username, presented.secret);
    default:
      return false;
  }
}

/** A password verified before: reused only by an attempt that did not wait, so a revocation meanwhile applies. */
function recallPassword(ctx: AuthenticateContext, username: string, secret: string): boolean {
  const recalled = recallPasswords(ctx.registry.listPasswordCredentials(username), secret);
  if (!recalled.known.includes(true)) return false;
  ctx.recalledPasswords = recalled;
  return true;
}

/** A wait the caller would not sit out: a deny now, so the broker answers "not authorized", not "unavailable". */
const TOO_SLOW: Deny = { allow: false, reason: 'locked_out', message: 'slowed down: the wait would outlast the caller\'s timeout' };

function checkLockout(ctx: AuthenticateContext): Verdict | Promise<Verdict> {
  if (ctx.request.recheck) return undefined; // an established session, not a login attempt
  if (cannotBeGuess(ctx)) return ctx.lockout.isLocked(ctx.lockKeys) ? deny('locked_out', 'too many failed attempts') : undefined;
  return awaitTurn(ctx);
}

/** A possible guess takes a place in the in-flight budget, and waits its delay. */
async function awaitTurn(ctx: AuthenticateContext): Promise<Verdict> {
  const budget = ctx.request.answerWithinMs;
  const started = Date.now();
  const verdict = await withinBudget(ctx, budget);
  if (verdict === undefined) return TOO_SLOW;
  if (verdict.locked) return deny('locked_out', 'too many failed attempts');
  ctx.lockoutBegun = true;
  if (budget !== undefined && Date.now() - started + verdict.delayMs > budget) return TOO_SLOW;
  if (verdict.delayMs > 0) await ctx.sleep(verdict.delayMs);
  return undefined;
}

/** Undefined when the wait outlasted the caller's budget; an attempt let through then is ended at once. */
async function withinBudget(ctx: AuthenticateContext, budget: number | undefined): Promise<LockoutVerdict | undefined> {
  const pending = ctx.lockout.begin(ctx.lockKeys);
  if (budget === undefined) return pending;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budget);
  });
  const verdict = await Promise.race([pending, expired]);
  clearTimeout(timer);
  if (verdict === undefined) void pending.then((late) => late.locked || ctx.lockout.end(ctx.lockKeys));
  return verdict;
}

function resolveCredential(ctx: AuthenticateContext): CredentialOutcome | 'anonymous' | Promise<CredentialOutcome> {
  const presented = ctx.presented;
  switch (presented.kind) {
    case 'certificate':
      return checkCertificateFingerprint(ctx, presented.fingerprint);
    case 'subject':
      return checkCertificateSubject(ctx, presented.subject);
    case 'token':
      return checkToken(ctx, presented.token, ctx.tokenRecall);
    case 'password':
      if (ctx.username === undefined) return refuse('bad_credentials', 'password without username');
      return checkPassword(ctx, ctx.logger, ctx.username, presented.secret, ctx.recalledPasswords);
    case 'untrusted-subject':
      return refuse('no_credentials', 'certificate-only login refused: trustCertSubject is off');
    case 'none':
      if (ctx.config.allowAnonymous && ctx.username === undefined) return 'anonymous';
      return refuse('no_credentials', 'no credential presented');
  }
}

function findCredential(ctx: AuthenticateContext): Verdict | Promise<Verdict> {
  const outcome = resolveCredential(ctx);
  return outcome instanceof Promise ? outcome.then((settled) => identify(ctx, settled)) : identify(ctx, outcome);
}

function identify(ctx: AuthenticateContext, outcome: CredentialOutcome | 'anonymous'): Verdict {
  if (outcome === 'anonymous') return undefined;
  if (!outcome.ok) return fromRefusal(outcome);
  ctx.identified = outcome;
  return undefined;
}

/** A username beside a certificate or token must be the device it proves (not a second identity). */
function checkUsername(ctx: AuthenticateContext): Deny | undefined {
  const { identified, username } = ctx;
  if (!identified || username === undefined || isTokenInUsername(ctx.presented)) return undefined;
  if (username !== identified.deviceId) return deny('bad_credentials', 'username names another device than the credential');
  return undefined;
}

function checkDevice(ctx: AuthenticateContext): Deny | undefined {
  if (!ctx.identified) return undefined; // anonymous
  const device = ctx.registry.getDevice(ctx.identified.deviceId);
  if (!device) return deny('unknown_device', 'credential of an unregistered device');
  if (!device.enabled) return deny('disabled', device.disabledReason ?? 'device disabled');
  ctx.device = device;
  return undefined;
}

function bindClientId(ctx: AuthenticateContext): Deny | undefined {
  const device = ctx.device;
  if (device?.requireClientIdMatch && ctx.request.clientId !== device.id) {
    return deny('clientid_mismatch', 'client id must equal the device id');
  }
  return undefined;
}

/**
 * Compiled once per device, client id and username, until a registry change names the device (or all);
 * once per device when no rule names the client, so a fleet of fresh client ids shares one.
 */
function compileConnectionAcl(ctx: AuthenticateContext): undefined {
  const device = ctx.device ?? null;
  const username = isTokenInUsername(ctx.presented) ? null : (ctx.username ?? null);
  const rules = ctx.registry.rulesFor(device);
  // NUL and SOH cannot occur in either (control characters were refused); `+`/`-` keep a device apart from anonymous.
  const who = device === null ? '-' : `+${device.id}`;
  const key = namesTheClient(rules) ? `${who}\u0000${ctx.request.clientId}\u0000${username ?? ''}` : `${who}\u0001`;
  const known = ctx.connectionAcls.get(key)?.identity;
  if (known) {
    ctx.acl = known;
    return undefined;
  }
  ctx.acl = compileAcl(rules, { clientId: ctx.request.clientId, username, deviceId: device?.id ?? null }, ctx.config.aclNoMatch);
  ctx.connectionAcls.set(key, ctx.acl, device === null ? [] : [device.id]);
  return undefined;
}

const steps: Step[] = [rejectImpossibleInput, checkLockout, findCredential, checkUsername, checkDevice, bindClientId, compileConnectionAcl];

function allowDecision(ctx: AuthenticateContext): AuthenticateDecision {
  const { device, identified, acl } = ctx;
  return {
    allow: true,
    deviceId: device?.id ?? null,
    incarnation: device?.incarnation ?? null,
    superuser: device?.superuser ?? false,
    groups: device ? [...device.groups] : [],
    credential: identified ? { ...identified.credential } : { kind: 'anonymous' },
    expiresAt: identified?.expiresAt ?? null,
    acl: acl!,
  };
}

/** Synchronous unless a step must wait: a reconnect is decided without a promise. The lockout turn ends once. */
export function runAuthenticate(ctx: AuthenticateContext): AuthenticateDecision | Promise<AuthenticateDecision> {
  let settled: AuthenticateDecision | Promise<AuthenticateDecision> | undefined;
  try {
    settled = runSteps(ctx, 0);
    return settled instanceof Promise ? settled.finally(() => endTurn(ctx)) : settled;
  } finally {
    if (!(settled instanceof Promise)) endTurn(ctx);
  }
}

function runSteps(ctx: AuthenticateContext, first: number): AuthenticateDecision | Promise<AuthenticateDecision> {
  for (let i = first; i < steps.length; i++) {
    const verdict = steps[i]!(ctx);
    if (verdict instanceof Promise) return verdict.then((denied) => (denied ? refused(ctx, denied) : runSteps(ctx, i + 1)));
    if (verdict) return refused(ctx, verdict);
  }
  if (ctx.device && !ctx.request.recheck) ctx.lockout.recordSuccess(ctx.device.id);
  return allowDecision(ctx);
}

function refused(ctx: AuthenticateContext, denied: Deny): Deny {
  if (COUNTED.has(denied.reason) && !ctx.request.recheck) ctx.lockout.recordFailure(ctx.lockKeys);
  return denied;
}

function endTurn(ctx: AuthenticateContext): void {
  if (ctx.lockoutBegun) ctx.lockout.end(ctx.lockKeys);
}

/** The credential presented, in resolution order; an untrusted subject alone is refused. */
function presentedCredential(request: AuthenticateRequest, username: string | undefined, options: AuthenticateOptions): Presented {
  const password = request.password || undefined;
  if (request.certFingerprint) return { kind: 'certificate', fingerprint: request.certFingerprint };
  if (request.certSubject) {
    if (options.trustCertSubject) return { kind: 'subject', subject: request.certSubject };
    if (password === undefined) return { kind: 'untrusted-subject' };
  }
  if (password !== undefined && looksLikeJwt(password)) return { kind: 'token', token: password, carrier: 'password' };
  if (password === undefined && username !== undefined && looksLikeJwt(username)) return { kind: 'token', token: username, carrier: 'username' };
  if (password !== undefined) return { kind: 'password', secret: password };
  return { kind: 'none' };
}

function isTokenInUsername(presented: Presented): boolean {
  return presented.kind === 'token' && presented.carrier === 'username';
}

/** Only password attempts count per device: else anyone could lock a device out by naming it. */
function lockKeysFor(request: AuthenticateRequest, username: string | undefined, presented: Presented): LockoutKeys {
  const device = presented.kind === 'password' && username !== undefined && isDeviceName(username) ? username : undefined;
  return { device, address: request.peerAddress || undefined };
}

export type AuthenticateDeps = DeciderDeps & Pick<AuthenticateContext, 'lockout' | 'sleep' | 'connectionAcls'>;

export function createAuthenticateContext(
  deps: AuthenticateDeps,
  request: AuthenticateRequest,
  options: AuthenticateOptions,
): AuthenticateContext {
  const username = request.username || undefined;
  const presented = presentedCredential(request, username, options);
  return {
    request,
    username,
    options,
    registry: deps.registry,
    keys: deps.keys,
    externalKeys: deps.externalKeys,
    clock: deps.clock,
    config: deps.config,
    logger: deps.logger,
    lockout: deps.lockout,
    sleep: deps.sleep,
    connectionAcls: deps.connectionAcls,
    presented,
    lockKeys: lockKeysFor(request, username, presented),
  };
}
