/** Refusals of a caller's request (4xx), each with a stable `code`; a core fault is never one of these. */

export type AdapterErrorCode =
  | 'ERR_ADAPTER_INVALID_FIELD'
  | 'ERR_ADAPTER_BODY_TOO_LARGE'
  | 'ERR_ADAPTER_BAD_BODY'
  | 'ERR_ADAPTER_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_ADAPTER_CALLER_UNKNOWN'
  | 'ERR_ADAPTER_CALLER_SECRET_WRONG';

export abstract class AdapterError extends Error {
  abstract readonly code: AdapterErrorCode;
  /** The HTTP status Fastify uses when the error reaches a handler that does not map it itself. */
  abstract readonly statusCode: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The base of one code: the code is static and on every instance, with the status it answers. */
function coded<C extends AdapterErrorCode>(code: C, statusCode: number) {
  return class extends AdapterError {
    static readonly code: C = code;
    readonly code: C = code;
    readonly statusCode = statusCode;
  };
}

/** A parameter the broker sent is missing, of the wrong type or out of range. Names the field. */
export class InvalidField extends coded('ERR_ADAPTER_INVALID_FIELD', 400) {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The body is larger than any request of a supported broker can be. */
export class BodyTooLarge extends coded('ERR_ADAPTER_BODY_TOO_LARGE', 413) {}

/** The body is not valid JSON / form data, or it was cut short. */
export class BadBody extends coded('ERR_ADAPTER_BAD_BODY', 400) {}

/** A body in a content type no broker sends. */
export class UnsupportedMediaType extends coded('ERR_ADAPTER_UNSUPPORTED_MEDIA_TYPE', 415) {}

/** No shared secret and an address outside the allow-list: the caller is not one of our brokers. */
export class CallerUnknown extends coded('ERR_ADAPTER_CALLER_UNKNOWN', 401) {}

/** A shared secret was presented and it is wrong. */
export class CallerSecretWrong extends coded('ERR_ADAPTER_CALLER_SECRET_WRONG', 403) {}
