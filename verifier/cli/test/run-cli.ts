/**
 * `runCli` runs `arra-mq` as a child process against a test verifier (`startTestVerifier`).
 *
 * @module verifier/cli/test/run-cli
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, type TestVerifier } from '../../test/test-verifier.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'runtime/cli.ts');
export const BIN = join(ROOT, 'bin/arra-mq.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Run through `bin/arra-mq.js` instead of the source entry point. */
  viaBin?: boolean;
  cwd?: string;
}

/** Runs `arra-mq ARGS` in a child process with the verifier's URL and token in its environment. */
export function runCli(verifier: TestVerifier | undefined, args: string[], options: RunOptions = {}): Promise<CliResult> {
  const entry = options.viaBin ? [BIN] : ['--import', 'tsx', MAIN];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ARRA_DATA_DIR: join(tmpdir(), 'arra-cli-no-such-dir'),
    ...(verifier && { ARRA_URL: verifier.adminUrl, ARRA_ADMIN_TOKEN: ADMIN_TOKEN }),
    ...options.env,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [...entry, ...args], { env, cwd: options.cwd ?? ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `runCli` with `--json` (first, so `args` may end with `-- VALUE`), parsing stdout (which must be
 * exactly one JSON document).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the CLI's JSON by asserting on it
export async function runJson<T = any>(verifier: TestVerifier | undefined, args: string[], options: RunOptions = {}) {
  const result = await runCli(verifier, ['--json', ...args], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return { ...result, json };
}

/** A port on 127.0.0.1 that nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
