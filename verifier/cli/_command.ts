/** A command is data plus one `run`; `defineCommand` only fixes the types. */
import type { AdminClient } from './_client.js';
import type { OptionsSpec, ParsedLine } from './_args.js';
import type { Output } from './_output.js';

export interface CommandContext<O extends OptionsSpec> {
  values: ParsedLine<O>['values'];
  /** The positional arguments after the command words, already checked against `positionals`. */
  positionals: string[];
  out: Output;
  /** The admin client; created (and the token read) on first use only. */
  client(): Promise<AdminClient>;
  usage: string;
}

export interface Command<O extends OptionsSpec = OptionsSpec> {
  usage: string;
  summary: string;
  /** Extra lines shown by `--help` below the usage. */
  details?: string;
  options: O;
  /** Names of the positional arguments; a trailing `?` marks an optional one. */
  positionals: readonly string[];
  /** Rewrites the raw arguments before parsing (e.g. `--password` with an optional value). */
  prepare?: (args: string[]) => string[];
  run(ctx: CommandContext<O>): Promise<void>;
}

export function defineCommand<const O extends OptionsSpec>(command: Command<O>): Command<O> {
  return command;
}
