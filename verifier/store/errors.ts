/**
 * The registry's faults, each with a stable `code` the HTTP layer maps to a status: `not_found` 404,
 * `conflict` 409, `validation` 400, `unavailable` 503. Anything else escaping is a bug or an
 * unavailable database and becomes a 5xx (or a deny), never an allow.
 *
 * @module verifier/store/errors
 */
import type { ZodError } from 'zod';

export type StoreErrorCode = 'not_found' | 'conflict' | 'validation' | 'unavailable';

export interface FieldError {
  path: string;
  message: string;
}

export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The named device, credential, token, group, rule or key does not exist. */
export class NotFoundError extends StoreError {
  static readonly code = 'not_found' as const;
  readonly code = 'not_found' as const;
}

/** The write would duplicate something unique (id, fingerprint, jti) or break a stated invariant. */
export class ConflictError extends StoreError {
  static readonly code = 'conflict' as const;
  readonly code = 'conflict' as const;
}

/**
 * The registry file was deleted or replaced under the running service. SQLite keeps writing into the
 * file it opened, which nothing will ever open again: every write would be acknowledged and lost.
 */
export class RegistryFileGoneError extends StoreError {
  static readonly code = 'unavailable' as const;
  readonly code = 'unavailable' as const;
}

/**
 * At start: the data directory held a registry (its marker file is there) but the registry file is
 * not. Creating a new one would silently start over with a new CA, new signing keys and no devices.
 */
export class RegistryMissingError extends Error {
  readonly code = 'ERR_REGISTRY_MISSING';
  constructor(message: string) {
    super(message);
    this.name = 'RegistryMissingError';
  }
}

/** Input that no state of the registry could accept; `fields` names each offending field. */
export class ValidationError extends StoreError {
  static readonly code = 'validation' as const;
  readonly code = 'validation' as const;
  readonly fields: FieldError[];
  constructor(message: string, fields: FieldError[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.fields = fields;
  }

  static fromZod(error: ZodError, prefix = ''): ValidationError {
    const fields = error.issues.map((issue) => ({
      path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.'),
      message: issue.message,
    }));
    const first = fields[0];
    return new ValidationError(first ? `${first.path || 'body'}: ${first.message}` : 'invalid input', fields, {
      cause: error,
    });
  }
}
