/** Each CLI error has a stable `code` and the exit code it maps to. */
import { EXIT, type ExitCode } from './_exit-codes.js';

export type CliErrorCode =
  | 'ERR_USAGE'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_UNREACHABLE'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_REJECTED'
  | 'ERR_UNEXPECTED';

/** A field the verifier rejected, as its error body names it. */
export interface FieldIssue {
  path: string;
  message: string;
}

export abstract class CliError extends Error {
  abstract readonly code: CliErrorCode;
  abstract readonly exitCode: ExitCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The code is static and on every instance. */
function coded<C extends CliErrorCode>(code: C, exitCode: ExitCode) {
  return class extends CliError {
    static readonly code: C = code;
    readonly code: C = code;
    readonly exitCode = exitCode;
  };
}

/** The command line itself is wrong; `usage` is the help of the command that was meant, when known. */
export class UsageError extends coded('ERR_USAGE', EXIT.USAGE) {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends coded('ERR_NOT_FOUND', EXIT.NOT_FOUND) {}

export class ConflictError extends coded('ERR_CONFLICT', EXIT.CONFLICT) {}

export class UnreachableError extends coded('ERR_UNREACHABLE', EXIT.UNREACHABLE) {}

export class UnauthorizedError extends coded('ERR_UNAUTHORIZED', EXIT.UNAUTHORIZED) {}

/** The verifier refused the input; `fields` lists what it named, so the message can point at them. */
export class RejectedError extends coded('ERR_REJECTED', EXIT.REJECTED) {
  constructor(
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class UnexpectedError extends coded('ERR_UNEXPECTED', EXIT.UNEXPECTED) {}
