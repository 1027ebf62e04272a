/** Scripts branch on these (and `runtime/` uses 0, 1, 2): they never change meaning. */
export const EXIT = {
  OK: 0,
  /** A bug or an answer the CLI did not expect (5xx, malformed response). */
  UNEXPECTED: 1,
  /** Bad command line: unknown command or option, missing argument, conflicting flags. */
  USAGE: 2,
  /** The device, rule, group, token or key does not exist (HTTP 404). */
  NOT_FOUND: 3,
  /** It already exists, or the target file already exists (HTTP 409). */
  CONFLICT: 4,
  /** Cannot reach the verifier: connection refused, DNS failure, timeout, 502/503/504. */
  UNREACHABLE: 5,
  /** No admin token, or the verifier refused it (HTTP 401/403). */
  UNAUTHORIZED: 6,
  /** The verifier rejected the input (HTTP 400/413/415); the message names the field. */
  REJECTED: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
