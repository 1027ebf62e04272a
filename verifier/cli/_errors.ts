/**
 * Typed CLI errors. Each class has a stable `code` (static and on the instance, like panva/jose) and
 * the exit code it maps to, so `main.ts` can turn any of them into one message and one exit status.
 *
 * @module verifier/cli/_errors
 */
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

/** The command line itself is wrong; `usage` is the help of the command that was meant, when known. */
export class UsageError extends CliError {
  static readonly code = 'ERR_USAGE';
  readonly code = 'ERR_USAGE';
  readonly exitCode = EXIT.USAGE;

  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends CliError {
  static readonly code = 'ERR_NOT_FOUND';
  readonly code = 'ERR_NOT_FOUND';
  readonly exitCode = EXIT.NOT_FOUND;
}

export class ConflictError extends CliError {
  static readonly code = 'ERR_CONFLICT';
  readonly code = 'ERR_CONFLICT';
  readonly exitCode = EXIT.CONFLICT;
}

export class UnreachableError extends CliError {
  static readonly code = 'ERR_UNREACHABLE';
  readonly code = 'ERR_UNREACHABLE';
  readonly exitCode = EXIT.UNREACHABLE;
}

export class UnauthorizedError extends CliError {
  static readonly code = 'ERR_UNAUTHORIZED';
  readonly code = 'ERR_UNAUTHORIZED';
  readonly exitCode = EXIT.UNAUTHORIZED;
}

/** The verifier refused the input; `fields` lists what it named, so the message can point at them. */
export class RejectedError extends CliError {
  static readonly code = 'ERR_REJECTED';
  readonly code = 'ERR_REJECTED';
  readonly exitCode = EXIT.REJECTED;

  constructor(
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class UnexpectedError extends CliError {
  static readonly code = 'ERR_UNEXPECTED';
  readonly code = 'ERR_UNEXPECTED';
  readonly exitCode = EXIT.UNEXPECTED;
}
