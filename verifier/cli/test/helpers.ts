/**
 * Test helpers for the CLI: a real verifier on 127.0.0.1 (ephemeral port, SQLite file in a temp
 * directory) and `runCli`, which runs `arra-mq` as a child process against it.
 *
 * @module verifier/cli/test/helpers
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import type { TestContext } from 'node:test';
import { loadConfig, startVerifier } from '../../index.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'runtime/cli.ts');
export const BIN = join(ROOT, 'bin/arra-mq.js');

export const ADMIN_TOKEN = 'cli-test-admin-token-0123456789';

export interface TestVerifier {
  url: string;
  dataDir: string;
}

export interface VerifierOptions {
  /** Leave ARRA_ADMIN_TOKEN unset, so the verifier generates `$ARRA_DATA_DIR/admin-token` itself. */
  generateToken?: boolean;
  /** More verifier environment, e.g. a small ARRA_IMPORT_BODY_LIMIT. */
  env?: Record<string, string>;
}

/**
 * The real verifier (`startVerifier`) on 127.0.0.1, ephemeral port, with a fresh SQLite registry in a
 * temp directory; closed (and the directory removed) when the test ends.
 */
export async function startTestVerifier(t: TestContext, options: VerifierOptions = {}): Promise<TestVerifier> {
  const dataDir = await mkdtemp(join(tmpdir(), 'arra-cli-'));
  const env = {
    ARRA_DATA_DIR: dataDir,
    ARRA_HTTP_PORT: '0',
    ARRA_BIND: '127.0.0.1',
    ARRA_LOG_LEVEL: 'silent',
    ...(!options.generateToken && { ARRA_ADMIN_TOKEN: ADMIN_TOKEN }),
    ...options.env,
  };
  // The first-start notice prints the generated token: keep it out of the test output.
  const verifier = await startVerifier(loadConfig(env), { stderr: new PassThrough().resume() });
  t.after(async () => {
    await verifier.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { url: verifier.adminUrl, dataDir };
}

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
    ...(verifier && { ARRA_URL: verifier.url, ARRA_ADMIN_TOKEN: ADMIN_TOKEN }),
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
