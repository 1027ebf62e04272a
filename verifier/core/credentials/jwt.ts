// Own tokens: `kid` from the key ring, algorithms pinned to EdDSA/ES256 (an HS256 token "signed" with our
// public key is refused), `jti` recorded and not revoked. External issuers: a group trusting `iss`
// supplies JWKS, audience and asymmetric algorithms.
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { ExternalJwksError, ExternalKeyNotFoundError, KeyUnavailableError, VerifierError } from '../errors.js';
import type { ExternalIssuer, GroupRecord } from '../ports.js';
import { earliest, isPast, refuse, toUnixSeconds, type CredentialContext, type CredentialOutcome, type Refused } from './outcome.js';
import { VerifiedMemory, type Digest } from './verified-secrets.js';

const OWN_ALGORITHMS = ['EdDSA', 'ES256'];
/** Asymmetric algorithms only: a shared-secret or unsigned token from an external issuer is never accepted. */
const EXTERNAL_ALGORITHMS = new Set(['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);

function refusalFor(err: unknown): Refused {
  if (err instanceof errors.JWTExpired) return refuse('expired', `token ${err.claim} check failed`);
  if (err instanceof errors.JWTClaimValidationFailed && (err.claim === 'nbf' || err.claim === 'iat')) {
    return refuse('not_yet_valid', `token ${err.claim} is in the future`);
  }
  if (err instanceof errors.JOSEError) return refuse('bad_credentials', `${err.code}: ${err.message}`);
  return refuse('bad_credentials', 'token does not verify');
}

/** jose checks `iat` only with `maxTokenAge`; a token issued in the future is not valid yet. */
function issuedInFuture(ctx: CredentialContext, payload: JWTPayload): boolean {
  const now = ctx.clock.now() / 1000;
  return typeof payload.iat === 'number' && payload.iat > now + ctx.config.clockToleranceSeconds;
}

function verifyOptions(ctx: CredentialContext) {
  return { clockTolerance: ctx.config.clockToleranceSeconds, currentDate: new Date(ctx.clock.now()) };
}

async function checkOwnToken(ctx: CredentialContext, token: string, digest: Digest, header: ProtectedHeaderParameters): Promise<CredentialOutcome> {
  if (typeof header.kid !== 'string') return refuse('bad_credentials', 'token has no kid');
  const kid = header.kid;
  const key = verificationKey(ctx, kid);
  if (!key) return refuse('bad_credentials', 'unknown kid');
  const checked = await verifiedTokens.once(digest, () => verifyOwnSignature(ctx, token, kid, key), (c) => c.ok);
  return checked.ok ? checkStillValid(ctx, checked) : checked;
}

function verificationKey(ctx: CredentialContext, kid: string): ReturnType<typeof ctx.keys.verificationKey> {
  try {
    return ctx.keys.verificationKey(kid);
  } catch (err) {
    throw new KeyUnavailableError('key ring failed', { cause: err });
  }
}

/** What can change after a signature verified (key ring, exp, the token record) is judged now. */
function checkStillValid(ctx: CredentialContext, checked: VerifiedClaims): CredentialOutcome {
  if (!verificationKey(ctx, checked.kid)) return refuse('bad_credentials', 'unknown kid'); // a retired key: even a token verified before
  // A remembered signature says nothing about the time: exp is judged now, as jose does.
  if (checked.exp <= Math.floor(ctx.clock.now() / 1000) - ctx.config.clockToleranceSeconds) return refuse('expired', 'token exp check failed');
  const record = ctx.registry.getToken(checked.jti);
  if (!record || record.deviceId !== checked.sub) return refuse('bad_credentials', 'token not issued to this device');
  if (record.revoked) return refuse('revoked', 'token revoked');
  if (isPast(record.notAfter, ctx.clock.now())) return refuse('expired', 'token record expired');
  return {
    ok: true,
    deviceId: checked.sub,
    credential: { kind: 'jwt', id: record.id },
    expiresAt: earliest(checked.exp, toUnixSeconds(record.notAfter)),
  };
}

export interface VerifiedClaims {
  ok: true;
  /** Still in the key ring at every attempt. */
  kid: string;
  sub: string;
  jti: string;
  exp: number;
}

/** Own tokens verified before, by token: revocation, key ring, device and exp are still judged every attempt. */
const verifiedTokens = new VerifiedMemory<VerifiedClaims | Refused>();

/**
 * The own tokens this process verified, for the next start: digests and claims, never a token. They
 * hold for the issuer and audience they were verified against, and only until their `exp`.
 */
export interface RememberedTokens {
  issuer: string;
  audience: string;
  key: Uint8Array;
  tokens: Array<{ digest: string; claims: Omit<VerifiedClaims, 'ok'> }>;
}

/** What `takeOverTokens` can carry into a restarted process; expired tokens are left behind. */
export function rememberedTokens(config: { issuer: string; audience: string }, nowSeconds: number): RememberedTokens {
  const { key, entries } = verifiedTokens.snapshot();
  const tokens: RememberedTokens['tokens'] = [];
  for (const [digest, value] of entries) {
    if (!value.ok || value.exp <= nowSeconds) continue;
    const { ok: _ok, ...claims } = value;
    tokens.push({ digest, claims });
  }
  return { issuer: config.issuer, audience: config.audience, key, tokens };
}

/**
 * Recognises the tokens an earlier process verified, so a restart does not check every signature
 * again; each is still judged at every attempt (`checkStillValid`). Nothing is taken over when they
 * were verified for another issuer or audience, or once this process has verified tokens itself.
 */
export function takeOverTokens(remembered: RememberedTokens, config: { issuer: string; audience: string }, nowSeconds: number): number {
  if (remembered.issuer !== config.issuer || remembered.audience !== config.audience) return 0;
  const live = remembered.tokens.filter((t) => t.claims.exp > nowSeconds);
  const entries = live.map((t): [Digest, VerifiedClaims] => [t.digest as Digest, { ok: true, ...t.claims }]);
  return verifiedTokens.restore({ key: remembered.key, entries }) ? entries.length : 0;
}

async function verifyOwnSignature(
  ctx: CredentialContext,
  token: string,
  kid: string,
  key: { alg: string; key: CryptoKey },
): Promise<VerifiedClaims | Refused> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      ...verifyOptions(ctx),
      algorithms: OWN_ALGORITHMS.filter((alg) => alg === key.alg),
      issuer: ctx.config.issuer,
      audience: ctx.config.audience,
      requiredClaims: ['exp', 'sub', 'jti', 'iat'],
    }));
  } catch (err) {
    return refusalFor(err);
  }
  if (issuedInFuture(ctx, payload)) return refuse('not_yet_valid', 'token iat is in the future');
  return { ok: true, kid, sub: payload.sub!, jti: payload.jti!, exp: payload.exp! };
}

/** What one attempt knows of its token: the memory's digest (one HMAC per attempt) and its claims if it verified before. */
export interface TokenRecall {
  digest: Digest;
  claims: VerifiedClaims | undefined;
}

export function recallOwnToken(token: string): TokenRecall {
  const digest = verifiedTokens.digest([token]);
  const known = verifiedTokens.recall(digest);
  return { digest, claims: known?.ok ? known : undefined };
}

/** The key for this token from the issuer's JWKS; "no such key" is a deny, an unreachable JWKS a fault. */
async function externalKey(ctx: CredentialContext, issuer: ExternalIssuer, header: ProtectedHeaderParameters) {
  if (!ctx.externalKeys) return refuse('bad_credentials', 'external issuer trusted but no key resolver configured');
  try {
    return await ctx.externalKeys.resolve(issuer, { kid: header.kid, alg: header.alg });
  } catch (err) {
    if (err instanceof ExternalKeyNotFoundError) return refuse('bad_credentials', 'no key for this kid in the issuer JWKS');
    if (err instanceof VerifierError) throw err;
    throw new ExternalJwksError(`JWKS of ${issuer.issuer} unavailable`, { cause: err });
  }
}

async function checkWithIssuer(
  ctx: CredentialContext,
  token: string,
  header: ProtectedHeaderParameters,
  issuer: ExternalIssuer,
  groups: string[],
): Promise<CredentialOutcome> {
  const algorithms = issuer.algorithms.filter((alg) => EXTERNAL_ALGORITHMS.has(alg));
  if (!header.alg || !algorithms.includes(header.alg)) return refuse('bad_credentials', 'algorithm not allowed for this issuer');
  const key = await externalKey(ctx, issuer, header);
  if ('ok' in key) return key;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      ...verifyOptions(ctx),
      algorithms,
      issuer: issuer.issuer,
      ...(issuer.audience === null ? {} : { audience: issuer.audience }),
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (err) {
    return refusalFor(err);
  }
  if (issuedInFuture(ctx, payload)) return refuse('not_yet_valid', 'token iat is in the future');
  const device = ctx.registry.getDevice(payload.sub!);
  if (!device) return refuse('unknown_device', 'external token for an unregistered device');
  if (!device.groups.some((g) => groups.includes(g))) return refuse('bad_credentials', 'device is not in a group trusting this issuer');
  const id = typeof payload.jti === 'string' ? { id: payload.jti } : {};
  return { ok: true, deviceId: device.id, credential: { kind: 'jwt', ...id }, expiresAt: earliest(payload.exp) };
}

/** Groups sharing one issuer normally share its settings; each distinct setting is tried in turn. */
function issuerSettings(groups: GroupRecord[]): Array<{ issuer: ExternalIssuer; groups: string[] }> {
  const settings = new Map<string, { issuer: ExternalIssuer; groups: string[] }>();
  for (const group of groups) {
    if (!group.externalIssuer) continue;
    const { jwksUrl, audience, algorithms } = group.externalIssuer;
    const key = JSON.stringify([jwksUrl, audience, algorithms]);
    const entry = settings.get(key) ?? { issuer: group.externalIssuer, groups: [] };
    entry.groups.push(group.name);
    settings.set(key, entry);
  }
  return [...settings.values()];
}

async function checkExternalToken(ctx: CredentialContext, token: string, header: ProtectedHeaderParameters, iss: string) {
  const settings = issuerSettings(ctx.registry.getGroupsByIssuer(iss));
  let outcome: CredentialOutcome = refuse('bad_credentials', 'token issuer not trusted');
  for (const { issuer, groups } of settings) {
    outcome = await checkWithIssuer(ctx, token, header, issuer, groups);
    if (outcome.ok) return outcome;
  }
  return outcome;
}

/** `recall`: what `recallOwnToken` said in this attempt. Synchronous when the token verified before. */
export function checkToken(ctx: CredentialContext, token: string, recall = recallOwnToken(token)): CredentialOutcome | Promise<CredentialOutcome> {
  return recall.claims ? checkStillValid(ctx, recall.claims) : checkInFull(ctx, token, recall.digest);
}

async function checkInFull(ctx: CredentialContext, token: string, digest: Digest): Promise<CredentialOutcome> {
  let header: ProtectedHeaderParameters;
  let iss: unknown;
  try {
    header = decodeProtectedHeader(token);
    iss = decodeJwt(token).iss;
  } catch {
    return refuse('bad_credentials', 'malformed token');
  }
  if (typeof iss !== 'string') return refuse('bad_credentials', 'token has no iss');
  if (iss === ctx.config.issuer) return checkOwnToken(ctx, token, digest, header);
  return checkExternalToken(ctx, token, header, iss);
}
