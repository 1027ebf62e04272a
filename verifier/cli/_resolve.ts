/** Help, version, or one command with the arguments left after its words; global options go anywhere. */
import { parseArgs } from 'node:util';
import { globalOptions } from './_args.js';
import type { Command } from './_command.js';
import { UsageError } from './_errors.js';
import { commandHelp, nounHelp, rootHelp } from './_help.js';
import { commands } from './commands/index.js';

export type Resolution =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'run'; command: Command; args: string[] };

/** A first, lenient pass that only finds the command words, `--help` and `--version`. */
function scan(argv: string[]) {
  const { values, tokens } = parseArgs({
    args: argv,
    options: { ...globalOptions, version: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const words = tokens.filter((token) => token.kind === 'positional');
  // `-h` inside a group such as `-hX3f` is not a request for help: that word is a mistake or a value
  // starting with '-' (a key id can), which the command's strict parse reports.
  const help = tokens.some((token) => token.kind === 'option' && token.name === 'help' && ['-h', '--help'].includes(argv[token.index]!));
  return { help, version: values.version === true, words };
}

export async function resolve(argv: string[]): Promise<Resolution> {
  const { help, version, words } = scan(argv);
  const [nounWord, verbWord] = words;
  if (!nounWord) {
    if (version) return { kind: 'version' };
    if (help) return { kind: 'help', text: rootHelp() };
    throw new UsageError('missing command', rootHelp());
  }
  if (nounWord.value === 'help') return { kind: 'help', text: await helpFor(words.slice(1).map((w) => w.value)) };

  const noun = commands[nounWord.value];
  if (!noun) throw new UsageError(`unknown command "${nounWord.value}"`, rootHelp());
  if ('load' in noun) return withHelp((await noun.load()).default, withoutIndexes(argv, [nounWord.index]), help);

  if (!verbWord) {
    if (help) return { kind: 'help', text: nounHelp(nounWord.value) };
    throw new UsageError(`missing verb for "${nounWord.value}"`, nounHelp(nounWord.value));
  }
  const verb = noun.verbs[verbWord.value];
  if (!verb) throw new UsageError(`unknown verb "${nounWord.value} ${verbWord.value}"`, nounHelp(nounWord.value));
  return withHelp((await verb.load()).default, withoutIndexes(argv, [nounWord.index, verbWord.index]), help);
}

function withHelp(command: Command, args: string[], help: boolean): Resolution {
  return help ? { kind: 'help', text: commandHelp(command) } : { kind: 'run', command, args };
}

/** `arra-mq help [noun [verb]]`. */
async function helpFor(words: string[]): Promise<string> {
  const [nounName, verbName] = words;
  const noun = nounName === undefined ? undefined : commands[nounName];
  if (!noun || nounName === undefined) return rootHelp();
  if ('load' in noun) return commandHelp((await noun.load()).default);
  const verb = verbName === undefined ? undefined : noun.verbs[verbName];
  return verb ? commandHelp((await verb.load()).default) : nounHelp(nounName);
}

function withoutIndexes(argv: string[], indexes: number[]): string[] {
  return argv.filter((_, i) => !indexes.includes(i));
}
