/**
 * Errors of the broker adapters, as classes with a stable `code` (the panva/jose habit). Every one of
 * them is a refusal of the caller's request (4xx); a fault of the decision core is not wrapped here:
 * each dialect's error handler answers it with a 5xx, never an allow.
 *
 * @example
 *   if (err instanceof AdapterError && err.code === 'ERR_ADAPTER_INVALID_FIELD') log(err.field)
 *
 * @module broker-adapters/errors
 */

export type AdapterErrorCode =
  | 'ERR_ADAPTER_INVALID_FIELD'
  | 'ERR_ADAPTER_BODY_TOO_LARGE'
  | 'ERR_ADAPTER_BAD_BODY'
  | 'ERR_ADAPTER_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_ADAPTER_CALLER_UNKNOWN'
  | 'ERR_ADAPTER_CALLER_SECRET_WRONG';

export class AdapterError extends Error {
  static readonly code: AdapterErrorCode | 'ERR_ADAPTER' = 'ERR_ADAPTER';
  readonly code: AdapterErrorCode | 'ERR_ADAPTER' = 'ERR_ADAPTER';
  /** The HTTP status Fastify uses when the error reaches a handler that does not map it itself. */
  readonly statusCode: number = 400;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** A parameter the broker sent is missing, of the wrong type or out of range. Names the field. */
export class InvalidField extends AdapterError {
  static override readonly code = 'ERR_ADAPTER_INVALID_FIELD';
  override readonly code = InvalidField.code;

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The body is larger than any request of a supported broker can be. */
export class BodyTooLarge extends AdapterError {
  static override readonly code = 'ERR_ADAPTER_BODY_TOO_LARGE';
  override readonly code = BodyTooLarge.code;
  override readonly statusCode = 413;
}

/** The body is not valid JSON / form data, or it was cut short. */
export class BadBody extends AdapterError {
  static override readonly code = 'ERR_ADAPTER_BAD_BODY';
  override readonly code = BadBody.code;
}

/** A body in a content type no broker sends. */
export class UnsupportedMediaType extends AdapterError {
  static override readonly code = 'ERR_ADAPTER_UNSUPPORTED_MEDIA_TYPE';
  override readonly code = UnsupportedMediaType.code;
  override readonly statusCode = 415;
}

/** No shared secret and an address outside the allow-list: the caller is not one of our brokers. */
export class CallerUnknown extends AdapterError {
  static override readonly code = 'ERR_ADAPTER_CALLER_UNKNOWN';
  override readonly code = CallerUnknown.code;
  override readonly statusCode = 401;
}

/** A shared secret was presented and it is wrong. */
export class CallerSecretWrong extends AdapterError {
  static override readonly code = 'ERR_ADAPTER_CALLER_SECRET_WRONG';
  override readonly code = CallerSecretWrong.code;
  override readonly statusCode = 403;
}
