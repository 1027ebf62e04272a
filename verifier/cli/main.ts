/** Runs one command and turns whatever it throws into a message and an exit code. */
import { parseLine } from './_args.js';
import { AdminClient } from './_client.js';
import type { Command, CommandContext } from './_command.js';
import { resolveBaseUrl, resolveServerCa, resolveToken } from './_config.js';
import { CliError, UsageError } from './_errors.js';
import { EXIT, type ExitCode } from './_exit-codes.js';
import { commandHelp, PROGRAM } from './_help.js';
import { Output, type Streams } from './_output.js';
import { resolve } from './_resolve.js';

/** Never throws. */
export async function main(argv: string[], streams: Streams, env: NodeJS.ProcessEnv, version: string): Promise<ExitCode> {
  // Known before parsing, so that even a usage error comes out as one JSON document.
  const out = new Output(argv.includes('--json'), streams);
  const clients: AdminClient[] = [];
  try {
    const resolution = await resolve(argv);
    if (resolution.kind === 'help') streams.stdout.write(`${resolution.text}\n`);
    else if (resolution.kind === 'version') streams.stdout.write(`${version}\n`);
    else await resolution.command.run(contextFor(resolution.command, resolution.args, out, env, clients));
    return EXIT.OK;
  } catch (error) {
    return report(error, out);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

function contextFor(
  command: Command,
  rawArgs: string[],
  out: Output,
  env: NodeJS.ProcessEnv,
  clients: AdminClient[],
): CommandContext<typeof command.options> {
  const usage = commandHelp(command);
  const { values, positionals } = parseLine(command.options, command.prepare?.(rawArgs) ?? rawArgs, usage);
  checkPositionals(command, positionals, usage);
  const flags = { url: values.url, token: values.token, tokenFile: values['token-file'] };
  const baseUrl = resolveBaseUrl(flags, env);
  let client: Promise<AdminClient> | undefined;
  return {
    values,
    positionals,
    out,
    usage,
    client() {
      // One client (one keep-alive connection pool) per run, however many requests the command makes.
      client ??= Promise.all([resolveToken(flags, env), resolveServerCa(baseUrl, env)]).then(([token, serverCa]) => {
        const created = new AdminClient(baseUrl, token, serverCa);
        clients.push(created);
        return created;
      });
      return client;
    },
  };
}

function checkPositionals(command: Command, positionals: string[], usage: string): void {
  const required = command.positionals.filter((name) => !name.endsWith('?'));
  if (positionals.length < required.length) {
    throw new UsageError(`missing ${required.slice(positionals.length).join(' ')}`, usage);
  }
  if (positionals.length > command.positionals.length) {
    throw new UsageError(`unexpected argument "${positionals[command.positionals.length]}"`, usage);
  }
}

/** One message on stderr (plus the usage for usage errors); in `--json` mode also the error document. */
function report(error: unknown, out: Output): ExitCode {
  if (!(error instanceof CliError)) {
    out.streams.stderr.write(`${PROGRAM}: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    out.failure({ code: 'ERR_UNEXPECTED', message: String((error as Error)?.message ?? error) });
    return EXIT.UNEXPECTED;
  }
  out.streams.stderr.write(`${PROGRAM}: ${error.message}\n`);
  if (error instanceof UsageError && error.usage && !out.json) out.streams.stderr.write(`\n${error.usage}\n`);
  const fields = 'fields' in error ? error.fields : undefined;
  out.failure({ code: error.code, message: error.message, ...(fields ? { fields } : {}) });
  return error.exitCode;
}
