/** Options are data (`as const satisfies`), so help text and `parseArgs` come from one place. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './_errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** Shown in help after the flag, e.g. `ID`. Boolean flags have none. */
  valueName?: string;
  description: string;
};
export type OptionsSpec = Record<string, OptionSpec>;

/** Options every command accepts, wherever they appear on the line. */
export const globalOptions = {
  url: { type: 'string', valueName: 'URL', description: 'verifier base URL (default $ARRA_URL or http://127.0.0.1:8080)' },
  token: { type: 'string', valueName: 'T', description: 'admin token; visible in the process list, prefer --token-file (default $ARRA_ADMIN_TOKEN, then $ARRA_DATA_DIR/admin-token)' },
  'token-file': { type: 'string', valueName: 'FILE', description: 'read the admin token from FILE' },
  json: { type: 'boolean', description: 'print exactly one JSON document on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
} as const satisfies OptionsSpec;

type Values<O extends OptionsSpec> = ReturnType<
  typeof parseArgs<{ options: O & typeof globalOptions; allowPositionals: true; strict: true }>
>['values'];

export interface ParsedLine<O extends OptionsSpec> {
  values: Values<O>;
  positionals: string[];
}

/** Parses `args` strictly against the command's options plus the global ones; any mistake is a usage error. */
export function parseLine<O extends OptionsSpec>(options: O, args: string[], usage: string): ParsedLine<O> {
  try {
    const all = { ...globalOptions, ...options };
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args, all),
      options: all,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values<O>, positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    // A short-option group that holds the unknown letter may be a value that starts with '-'.
    const unknown = /Unknown option '-([^-])'/.exec(message)?.[1];
    const dashed = unknown === undefined ? undefined : args.find((arg) => /^-[^-]./.test(arg) && arg.includes(unknown));
    throw new UsageError(dashed ? `${message}; if "${dashed}" is a value, put it after "--": -- ${dashed}` : message, usage);
  }
}

/** A negative number: `-1`, `-2.5`. Never an option of ours (none is a digit). */
const NEGATIVE_NUMBER = /^-[0-9]+(\.[0-9]+)?$/;

/** `parseArgs` calls `--priority -1` ambiguous; no option of ours is a number, so it becomes `--priority=-1`. */
function joinNegativeValues(args: string[], options: OptionsSpec): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** A bare `--NAME` becomes `--NAME=`: the empty value the command reads as "generate one". */
export function optionalValue(args: string[], name: string): string[] {
  return args.map((arg, i) => {
    if (arg !== `--${name}`) return arg;
    const next = args[i + 1];
    return next === undefined || next.startsWith('-') ? `--${name}=` : arg;
  });
}

export function positiveInt(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${flag}: must be a positive whole number, got "${value}"`, usage);
  }
  return Number(value);
}

export function booleanWord(value: string | undefined, flag: string, usage: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`--${flag}: must be true or false, got "${value}"`, usage);
}
