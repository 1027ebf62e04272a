/**
 * Help texts for the three levels: the whole CLI, one noun, one command. All of it is built from the
 * command map and the commands' option data, so it cannot drift from what is parsed.
 */
import { globalOptions, type OptionsSpec } from './_args.js';
import type { Command } from './_command.js';
import { EXIT } from './_exit-codes.js';
import { commands } from './commands/index.js';

export const PROGRAM = 'arra-mq';

function optionLines(options: OptionsSpec): string[] {
  const flags = Object.entries(options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    const value = spec.valueName ? ` ${spec.valueName}` : '';
    const repeat = spec.multiple ? '...' : '';
    return [`${short}--${name}${value}${repeat}`, spec.description] as const;
  });
  const width = Math.max(...flags.map(([flag]) => flag.length));
  return flags.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}

function aligned(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

const EXIT_MEANINGS: Record<keyof typeof EXIT, string> = {
  OK: 'success',
  UNEXPECTED: 'unexpected error',
  USAGE: 'usage error',
  NOT_FOUND: 'not found',
  CONFLICT: 'already exists',
  UNREACHABLE: 'verifier unreachable',
  UNAUTHORIZED: 'admin token missing or refused',
  REJECTED: 'input rejected by the verifier',
};

export function rootHelp(): string {
  const rows: Array<[string, string]> = [];
  for (const [noun, entry] of Object.entries(commands)) {
    if ('load' in entry) rows.push([noun, entry.summary]);
    else for (const [verb, verbEntry] of Object.entries(entry.verbs)) rows.push([`${noun} ${verb}`, verbEntry.summary]);
  }
  return [
    `Usage: ${PROGRAM} [--url URL] [--token T] <noun> <verb> [arguments] [--json]`,
    '',
    'Provision devices, credentials and access rules on an ARRA-MQ verifier.',
    '',
    'Commands:',
    ...aligned(rows),
    '',
    'Global options:',
    ...optionLines({ ...globalOptions, version: { type: 'boolean', description: 'print the version' } }),
    '',
    'Exit codes:',
    ...aligned(Object.entries(EXIT).map(([name, code]) => [String(code), EXIT_MEANINGS[name as keyof typeof EXIT]])),
    '',
    `Run "${PROGRAM} <noun> <verb> --help" for the options of one command.`,
  ].join('\n');
}

export function nounHelp(noun: string): string {
  const entry = commands[noun];
  if (!entry || 'load' in entry) return rootHelp();
  return [
    `Usage: ${PROGRAM} ${noun} <verb> [arguments] [--json]`,
    '',
    `${noun}: ${entry.summary}`,
    '',
    'Verbs:',
    ...aligned(Object.entries(entry.verbs).map(([verb, verbEntry]) => [verb, verbEntry.summary])),
    '',
    `Run "${PROGRAM} ${noun} <verb> --help" for the options of one verb.`,
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length > 0 ? ['', 'Options:', ...optionLines(command.options)] : [];
  return [
    `Usage: ${PROGRAM} ${command.usage}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    ...own,
    '',
    'Global options:',
    ...optionLines(globalOptions),
  ].join('\n');
}
