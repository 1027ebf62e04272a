/** How a process that failed to start says why and exits: the one place the entry points set an exit code. */
import { EXIT } from '../verifier/cli/_exit-codes.js';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface StartupErrors {
  /** Bad configuration: the message alone, exit 2 (usage). */
  usage: readonly ErrorClass[];
  /** Refusals whose message says what to do: no stack, exit 1. */
  refusals?: readonly ErrorClass[];
}

export function exitOnStartupError(name: string, err: unknown, errors: StartupErrors): never {
  const isOne = (classes: readonly ErrorClass[] = []) => classes.some((c) => err instanceof c);
  if (isOne(errors.usage)) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(EXIT.USAGE);
  }
  if (isOne(errors.refusals)) process.stderr.write(`${name} refused to start: ${(err as Error).message}\n`);
  else process.stderr.write(`${name} failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(EXIT.UNEXPECTED);
}
