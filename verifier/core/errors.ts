/** One union of codes: `instanceof VerifierError` and `err.code` are all a caller needs; a deny is never one. */

export type VerifierErrorCode =
  // No decision could be made: callers deny or answer 5xx, never allow.
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_KEY_UNAVAILABLE'
  | 'ERR_EXTERNAL_JWKS'
  | 'ERR_EXTERNAL_KEY_NOT_FOUND'
  | 'ERR_INVALID_HASH'
  | 'ERR_INTERNAL'
  // A change the registry refused, or a registry that cannot be used.
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_VALIDATION'
  | 'ERR_REGISTRY_GONE'
  | 'ERR_REGISTRY_MISSING'
  | 'ERR_UNAVAILABLE'
  // The service itself.
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CLIENT_GONE';

export interface FieldError {
  path: string;
  message: string;
}

export abstract class VerifierError extends Error {
  abstract readonly code: VerifierErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The code is static and on every instance: both `Class.code` and `err.code` read it. */
function coded<C extends VerifierErrorCode>(code: C) {
  return class extends VerifierError {
    static readonly code: C = code;
    readonly code: C = code;
  };
}

/** The registry threw while deciding. */
export class StoreUnavailableError extends coded('ERR_STORE_UNAVAILABLE') {}

/** The verifier's own signing key is missing or unusable. */
export class KeyUnavailableError extends coded('ERR_KEY_UNAVAILABLE') {}

/** An external issuer's JWKS could not be fetched or read (network, status, body). */
export class ExternalJwksError extends coded('ERR_EXTERNAL_JWKS') {}

/** The external JWKS holds no key for the token's `kid`/`alg`: the token does not verify. */
export class ExternalKeyNotFoundError extends coded('ERR_EXTERNAL_KEY_NOT_FOUND') {}

/** A stored password hash is not in the `scrypt$N$r$p$salt$hash` format. */
export class InvalidHashError extends coded('ERR_INVALID_HASH') {}

/** Anything else that stopped a decision (a bug): reported as a fault, so it still fails closed. */
export class InternalError extends coded('ERR_INTERNAL') {}

/** The named device, credential, token, group, rule or key does not exist. */
export class NotFoundError extends coded('ERR_NOT_FOUND') {}

/** The write would duplicate something unique (id, fingerprint, jti) or break a stated invariant. */
export class ConflictError extends coded('ERR_CONFLICT') {}

/** Input no state of the registry could accept; `fields` names each offending field. */
export class ValidationError extends coded('ERR_VALIDATION') {
  constructor(
    message: string,
    readonly fields: FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The registry file was replaced under us: SQLite would acknowledge writes into a file nothing opens again. */
export class RegistryFileGoneError extends coded('ERR_REGISTRY_GONE') {}

/** A marker says a registry existed: creating a new one would silently start over with a new CA and keys. */
export class RegistryMissingError extends coded('ERR_REGISTRY_MISSING') {}

/** The store cannot serve right now (e.g. a sealed key it cannot open): retry, never guess. */
export class ServiceUnavailableError extends coded('ERR_UNAVAILABLE') {
  constructor(message = 'the verifier cannot decide right now; treat as deny', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The environment does not describe a valid configuration; `problems` lists every variable at fault. */
export class ConfigError extends coded('ERR_CONFIG_INVALID') {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** The HTTP caller went away before the answer (what it asked for was not done). */
export class ClientGoneError extends coded('ERR_CLIENT_GONE') {}
