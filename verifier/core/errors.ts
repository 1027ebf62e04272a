/**
 * Faults of the verifier, as classes with a stable `code` (the panva/jose habit). A deny is a value,
 * never one of these: an error here means no decision could be made, and every caller turns it into a
 * deny or a 5xx, never an allow.
 *
 * @example
 * ```ts
 * try { await decider.authenticate(req) } catch (err) {
 *   if (err instanceof VerifierError && err.code === 'ERR_STORE_UNAVAILABLE') reply.code(503)
 * }
 * ```
 *
 * @module verifier/core/errors
 */

export type VerifierErrorCode =
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_KEY_UNAVAILABLE'
  | 'ERR_EXTERNAL_JWKS'
  | 'ERR_EXTERNAL_KEY_NOT_FOUND'
  | 'ERR_INVALID_HASH'
  | 'ERR_INTERNAL';

export class VerifierError extends Error {
  static readonly code: VerifierErrorCode | 'ERR_VERIFIER' = 'ERR_VERIFIER';
  readonly code: VerifierErrorCode | 'ERR_VERIFIER' = 'ERR_VERIFIER';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The registry (SQLite) threw: the decision cannot be made. */
export class StoreUnavailableError extends VerifierError {
  static override readonly code = 'ERR_STORE_UNAVAILABLE';
  override readonly code = StoreUnavailableError.code;
}

/** The verifier's own signing key is missing or unusable. */
export class KeyUnavailableError extends VerifierError {
  static override readonly code = 'ERR_KEY_UNAVAILABLE';
  override readonly code = KeyUnavailableError.code;
}

/** An external issuer's JWKS could not be fetched or read (network, status, body). */
export class ExternalJwksError extends VerifierError {
  static override readonly code = 'ERR_EXTERNAL_JWKS';
  override readonly code = ExternalJwksError.code;
}

/** The external JWKS was read, but holds no key for the token's `kid`/`alg`: the token does not verify. */
export class ExternalKeyNotFoundError extends VerifierError {
  static override readonly code = 'ERR_EXTERNAL_KEY_NOT_FOUND';
  override readonly code = ExternalKeyNotFoundError.code;
}

/** A stored password hash is not in the `scrypt$N$r$p$salt$hash` format. */
export class InvalidHashError extends VerifierError {
  static override readonly code = 'ERR_INVALID_HASH';
  override readonly code = InvalidHashError.code;
}

/** Anything else that stopped a decision (a bug): reported as a fault, so it still fails closed. */
export class InternalError extends VerifierError {
  static override readonly code = 'ERR_INTERNAL';
  override readonly code = InternalError.code;
}
