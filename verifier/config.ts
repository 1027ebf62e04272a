/** The environment parsed once, every problem reported at once; the admin token kept as its SHA-256 only. */
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { addressList } from '../rules/index.js';
import { BROKER_CONTROL_SOCKET_FILE } from '../schemas/data-dir.js';
import { ConfigError, Secret } from './core/index.js';

export { ConfigError };
import type { HttpLimits } from './http/connection-limits.js';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
/** The rule for the admin token and the webhook secret, from the environment or from their files. */
export const secretText = z.string().min(16, 'must be at least 16 characters');
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/./, 'must be a postgres:// URL');
const ipAddress = z.string().refine((v) => isIP(v) !== 0, 'must be an IP address');
const cidrList = z.string().transform((text, ctx) => {
  const cidrs = text.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    addressList(cidrs);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
  return cidrs;
});

interface Variable {
  schema: z.ZodType;
  default: string | undefined;
  /** What an unset variable without a default means, for the table (default: "(generated)"). */
  unset?: string;
  description: string;
}

/** Every variable: its parser, its default (as the operator would write it) and one line of meaning. */
const VARIABLES = {
  ARRA_DATA_DIR: { schema: z.string().min(1), default: './data', description: 'Directory of the SQLite registry, signing keys, CA and generated secrets. A graceful stop of the verifier also leaves `remembered-tokens.json` (0600) there: HMAC digests of the own tokens it verified (never a token), so the next start recognises a reconnecting fleet without checking each signature again; each token is still judged at every attempt (key ring, revocation, device, `exp`). Delete it to verify every token in full once more.' },
  ARRA_BROKER_CONTROL_SOCKET: { schema: z.string().min(1).optional(), default: undefined, unset: '(`$ARRA_DATA_DIR/broker-control.sock`)', description: "Unix socket of the standalone broker (`dist/runtime/broker.js`) through which the admin API lists and disconnects its clients (the console's Connections page): mode 0600, each request proved by the webhook secret. Both services read it; the default suits both in one container (`lxc/`). `npm start` asks its bundled broker in-process instead." },
  ARRA_HTTP_PORT: { schema: integer(0, 65535), default: '8080', description: "TCP port of the verifier's webhook listener (and of the admin API unless `ARRA_ADMIN_PORT` is set)." },
  ARRA_BIND: { schema: ipAddress, default: '127.0.0.1', description: 'Address of every listener whose own bind variable is unset (`ARRA_WEBHOOK_BIND`, `ARRA_MQTT_BIND`), never of the admin API.' },
  ARRA_WEBHOOK_BIND: { schema: ipAddress.optional(), default: undefined, unset: '(`ARRA_BIND`)', description: 'Address of the verifier listener that brokers call: decisions, adapter webhooks, change feed, and `/healthz`, JWKS, metrics, CA. Off loopback it speaks TLS.' },
  ARRA_ADMIN_BIND: { schema: ipAddress, default: '127.0.0.1', description: 'Address of the admin API (`/v1/admin`). Off loopback it speaks TLS. Keep it off the devices\' network.' },
  ARRA_ADMIN_PORT: { schema: integer(0, 65535).optional(), default: undefined, unset: '(`ARRA_HTTP_PORT`)', description: 'Port of the admin API. Unset: it shares the webhook listener (only while both binds are equal). Set: a listener of its own, the only one serving `/v1/admin` (404 elsewhere).' },
  ARRA_HTTP_TLS_CERT: { schema: z.string().min(1).optional(), default: undefined, unset: '(issued)', description: "PEM certificate (chain) of the verifier's listeners that are not on loopback. Unset: one is issued at each start by the verifier's server CA (`$ARRA_DATA_DIR/server-ca.pem`, a sibling of the device CA) for the bind address, loopback and the host name." },
  ARRA_HTTP_TLS_KEY: { schema: z.string().min(1).optional(), default: undefined, unset: '(issued)', description: 'PEM private key of `ARRA_HTTP_TLS_CERT`.' },
  ARRA_ADMIN_TOKEN: { schema: secretText.transform((v) => new Secret(v)).optional(), default: undefined, description: 'Bearer token of the admin API. Unset: generated on first start into `$ARRA_DATA_DIR/admin-token` (0600) and printed once to stderr; an existing file must hold at least 16 characters and be 0600, or the start stops.' },
  ARRA_LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', description: 'pino log level (JSON on stdout).' },
  ARRA_ISSUER: { schema: z.string().min(1), default: 'arra-mq', description: '`iss` of issued device tokens, required on presented ones.' },
  ARRA_AUDIENCE: { schema: z.string().min(1), default: 'mqtt', description: '`aud` of issued device tokens, required on presented ones.' },
  ARRA_TOKEN_TTL: { schema: integer(60, 366 * 86400), default: '86400', description: 'Lifetime of issued device tokens when the request names none, seconds (at most 366 days).' },
  ARRA_JWT_ALG: { schema: z.enum(['EdDSA', 'ES256']), default: 'EdDSA', description: 'Algorithm of the verifier\'s signing keys (EdDSA or ES256).' },
  ARRA_CLOCK_TOLERANCE: { schema: integer(0, 600), default: '30', description: 'Clock skew accepted on token `exp`/`nbf`, seconds.' },
  ARRA_ACL_NO_MATCH: { schema: z.enum(['allow', 'deny']), default: 'deny', description: 'What applies when no ACL rule matches.' },
  ARRA_ALLOW_ANONYMOUS: { schema: flag, default: 'false', description: 'Let clients without credentials connect (they get the `anonymous` rules).' },
  ARRA_CACHE_SIZE: { schema: integer(0, 10_000_000), default: '100000', description: 'Entries in the decision cache (0 disables it).' },
  ARRA_LOCKOUT_SLOW_AFTER: { schema: integer(1, 1_000_000), default: '5', description: 'Failures within the window after which answers are slowed down.' },
  ARRA_LOCKOUT_LOCK_AFTER: { schema: integer(1, 1_000_000), default: '20', description: 'Failures within the window after which a device/address is locked out.' },
  ARRA_LOCKOUT_WINDOW: { schema: integer(1, 86400 * 7), default: '300', description: 'Window in which failures are counted, seconds.' },
  ARRA_LOCKOUT_SECONDS: { schema: integer(1, 86400 * 7), default: '900', description: 'How long a lockout lasts, seconds.' },
  ARRA_WEBHOOK_SECRET: { schema: secretText.optional(), default: undefined, description: 'Shared secret brokers send as `X-Arra-Secret`. Unset: generated into `$ARRA_DATA_DIR/webhook-secret` (0600); an existing file must hold at least 16 characters and be 0600, or the start stops.' },
  ARRA_WEBHOOK_ALLOW: { schema: cidrList, default: '', description: 'Comma list of CIDRs that may call broker routes without the secret (empty: secret always required).' },
  ARRA_TRUST_CERT_SUBJECT: { schema: flag, default: 'false', description: 'Accept a broker-verified certificate subject DN (NanoMQ `%d`, EMQX `${cert_subject}`) as proof.' },
  ARRA_BODY_LIMIT: { schema: integer(1024, 100 * 1024 * 1024), default: '1048576', description: 'Largest request body, bytes (413 above).' },
  ARRA_HTTP_HEADERS_TIMEOUT: { schema: integer(1, 3600), default: '10', description: 'Seconds a client has to send a request\'s headers (a new connection: its first request\'s); then the connection is closed.' },
  ARRA_HTTP_REQUEST_TIMEOUT: { schema: integer(1, 86400), default: '20', description: 'Seconds a client has to send a whole request, headers and body (408, then closed). Raise it to import large files over slow links.' },
  ARRA_HTTP_KEEPALIVE_TIMEOUT: { schema: integer(1, 3600), default: '30', description: 'Seconds an idle keep-alive connection is kept open between requests.' },
  ARRA_HTTP_SOCKET_TIMEOUT: { schema: integer(65, 86400), default: '75', description: 'Seconds without traffic either way after which a connection is closed (e.g. an answer the client does not read); above the longest change-feed wait (60 s).' },
  ARRA_HTTP_MAX_CONNECTIONS: { schema: integer(1, 1_000_000), default: '1024', description: 'HTTP connections the verifier holds at most; more are closed at once.' },
  ARRA_HTTP_MAX_CONNECTIONS_PER_ADDRESS: { schema: integer(1, 1_000_000), default: '256', description: 'HTTP connections one client address holds at most; more are closed at once.' },
  ARRA_EMQX_API_URL: { schema: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL').optional(), default: undefined, unset: '(off)', description: "Base of EMQX's REST API, e.g. `http://127.0.0.1:18083/api/v5`. Set: every device change (disable, removal, revoked credential, rules) kicks that device's EMQX clients so they log in again under the new state. Needs `ARRA_EMQX_API_KEY` and `ARRA_EMQX_API_SECRET`." },
  ARRA_EMQX_API_KEY: { schema: z.string().min(1).optional(), default: undefined, unset: '(none)', description: "EMQX API key for `ARRA_EMQX_API_URL` (EMQX dashboard: System, API Keys)." },
  ARRA_EMQX_API_SECRET: { schema: z.string().min(1).optional(), default: undefined, unset: '(none)', description: 'Secret of `ARRA_EMQX_API_KEY` (never logged).' },
  ARRA_DATABASE_URL: { schema: postgresUrl.optional(), default: undefined, unset: '(SQLite)', description: 'PostgreSQL registry shared by verifier replicas (`postgres://user:password@host:port/db`). Unset: the SQLite registry in `ARRA_DATA_DIR`. Set: each replica migrates it at start, keeps a mirror of the decision rows in `$ARRA_DATA_DIR/registry-mirror.sqlite` and hears the others\' writes within a second (README, Scaling out). `scripts/copy-registry-to-postgres.ts` copies a SQLite registry into it.' },
  ARRA_DATABASE_URL_FILE: { schema: z.string().min(1).optional(), default: undefined, unset: '(none)', description: 'File holding `ARRA_DATABASE_URL` (one line), so its password stays out of the environment: others may not read it (0600, or 0640 with the service\'s group, as `lxc/setup.sh --database-url-file` writes it). Not together with `ARRA_DATABASE_URL`.' },
  ARRA_KEY_ENCRYPTION_KEY: { schema: secretText.optional(), default: undefined, unset: '(file)', description: 'Secret (16+ characters, the same on every replica) sealing the private keys in a PostgreSQL registry; unset: `$ARRA_DATA_DIR/key-encryption-key` (0600), and the start stops when neither exists. Never stored in the database.' },
  ARRA_IMPORT_BODY_LIMIT: { schema: integer(1024, 1024 * 1024 * 1024), default: '20971520', description: 'Largest body of `POST /v1/admin/import`, bytes.' },
} satisfies Record<string, Variable>;

type Variables = typeof VARIABLES;
type Parsed = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export interface Listen {
  bind: string;
  port: number;
}

export interface Config {
  dataDir: string;
  /** The standalone broker's control socket (`ARRA_BROKER_CONTROL_SOCKET`). */
  brokerControlSocket: string;
  /** The webhook listener's port (`ARRA_HTTP_PORT`). */
  httpPort: number;
  /** The webhook listener's address (`ARRA_WEBHOOK_BIND`, else `ARRA_BIND`). */
  bind: string;
  /** The admin API's own listener; undefined: it shares the webhook listener. */
  adminListen: Listen | undefined;
  /** Operator-provided certificate and key files for listeners off loopback; undefined: issued. */
  httpTls: { certFile: string; keyFile: string } | undefined;
  /** Absent until `resolveSecrets` reads or generates the token file. */
  adminToken: Secret | undefined;
  logLevel: Parsed['ARRA_LOG_LEVEL'];
  issuer: string;
  audience: string;
  tokenTtlSeconds: number;
  jwtAlg: Parsed['ARRA_JWT_ALG'];
  clockToleranceSeconds: number;
  aclNoMatch: 'allow' | 'deny';
  allowAnonymous: boolean;
  cacheSize: number;
  lockout: { slowAfter: number; lockAfter: number; windowSeconds: number; lockSeconds: number };
  /** Kept as text: the broker guard (`broker-adapters/guard.ts`) compares it per request. */
  webhookSecret: string | undefined;
  webhookAllow: string[];
  trustCertSubject: boolean;
  bodyLimit: number;
  importBodyLimit: number;
  /** The PostgreSQL registry; undefined: SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  /** Seals private keys in PostgreSQL; undefined: read from `$dataDir/key-encryption-key` when needed. */
  keyEncryptionKey: string | undefined;
  /** EMQX's REST API, to kick the clients of a changed device; undefined: off. */
  emqxApi: { url: string; key: string; secret: string } | undefined;
  http: HttpLimits;
}

/** A Config whose secrets are known: what the app runs with. */
export type VerifierConfig = Config & { adminToken: Secret; webhookSecret: string };

/** Parses the environment (default `process.env`) into a Config; throws one ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(VARIABLES) as Array<[string, Variable]>) {
    const raw = env[name] === '' ? undefined : env[name];
    const result = variable.schema.safeParse(raw ?? variable.default);
    if (result.success) values[name] = result.data;
    else problems.push(`${name}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length === 0) problems.push(...databaseUrlFromFile(values as Parsed));
  if (problems.length === 0) problems.push(...crossCheck(values as Parsed));
  if (problems.length > 0) throw new ConfigError(problems);
  const config = toConfig(values as Parsed);
  problems.push(...listenerProblems(config, values as Parsed));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Settings that are valid one by one but not together. */
function listenerProblems(config: Config, v: Parsed): string[] {
  const problems: string[] = [];
  if (config.adminListen === undefined && v.ARRA_ADMIN_BIND !== config.bind) {
    problems.push(
      `ARRA_ADMIN_PORT: unset, so the admin API would share the listener on ${config.bind}:${config.httpPort}, but ARRA_ADMIN_BIND is ${v.ARRA_ADMIN_BIND}; ` +
        `set ARRA_ADMIN_PORT (e.g. 8081) to serve it on ${v.ARRA_ADMIN_BIND} alone, or ARRA_ADMIN_BIND=${config.bind} to expose it deliberately`,
    );
  }
  if (config.adminListen && config.adminListen.port === config.httpPort && config.httpPort !== 0) {
    problems.push(`ARRA_ADMIN_PORT: equals ARRA_HTTP_PORT while ARRA_ADMIN_BIND (${v.ARRA_ADMIN_BIND}) differs from the webhook bind (${config.bind}); give the admin API a port of its own`);
  }
  if ((v.ARRA_HTTP_TLS_CERT === undefined) !== (v.ARRA_HTTP_TLS_KEY === undefined)) {
    problems.push('ARRA_HTTP_TLS_CERT/ARRA_HTTP_TLS_KEY: give both or neither');
  }
  return problems;
}

/** The admin API's own listener, or undefined when it shares the webhook listener. */
function adminListen(v: Parsed, webhookBind: string): Listen | undefined {
  const port = v.ARRA_ADMIN_PORT;
  if (port === undefined) return undefined;
  if (port === v.ARRA_HTTP_PORT && port !== 0 && v.ARRA_ADMIN_BIND === webhookBind) return undefined;
  return { bind: v.ARRA_ADMIN_BIND, port };
}

/** A file's trimmed text and mode; undefined when it does not exist, a ConfigError naming it when it cannot be read. */
export function readTextFile(path: string): { text: string; mode: number } | undefined {
  try {
    return { mode: statSync(path).mode, text: readFileSync(path, 'utf8').trim() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
}

/** Reads `ARRA_DATABASE_URL_FILE` into `ARRA_DATABASE_URL`; its problems name the file, never its text. */
function databaseUrlFromFile(v: Parsed): string[] {
  const path = v.ARRA_DATABASE_URL_FILE;
  if (path === undefined) return [];
  if (v.ARRA_DATABASE_URL !== undefined) return ['ARRA_DATABASE_URL_FILE: give it or ARRA_DATABASE_URL, not both'];
  const file = readTextFile(path);
  if (file === undefined) return [`ARRA_DATABASE_URL_FILE: ${path} does not exist`];
  const { text, mode } = file;
  if ((mode & 0o007) !== 0) return [`ARRA_DATABASE_URL_FILE: others may read ${path} (mode ${(mode & 0o777).toString(8)}); run: chmod o= ${path}`];
  if (text.includes('\n') || !postgresUrl.safeParse(text).success) return [`ARRA_DATABASE_URL_FILE: ${path} must hold one line, a postgres:// URL`];
  v.ARRA_DATABASE_URL = text;
  return [];
}

function crossCheck(v: Parsed): string[] {
  if (v.ARRA_EMQX_API_URL !== undefined && (v.ARRA_EMQX_API_KEY === undefined || v.ARRA_EMQX_API_SECRET === undefined)) {
    return ['ARRA_EMQX_API_URL: needs ARRA_EMQX_API_KEY and ARRA_EMQX_API_SECRET'];
  }
  // Node's request deadline is silently not enforced when the headers deadline is longer (measured).
  if (v.ARRA_HTTP_HEADERS_TIMEOUT > v.ARRA_HTTP_REQUEST_TIMEOUT) {
    return [`ARRA_HTTP_HEADERS_TIMEOUT: must not exceed ARRA_HTTP_REQUEST_TIMEOUT (${v.ARRA_HTTP_REQUEST_TIMEOUT})`];
  }
  return [];
}

function toConfig(v: Parsed): Config {
  return {
    dataDir: v.ARRA_DATA_DIR,
    brokerControlSocket: v.ARRA_BROKER_CONTROL_SOCKET ?? join(v.ARRA_DATA_DIR, BROKER_CONTROL_SOCKET_FILE),
    httpPort: v.ARRA_HTTP_PORT,
    bind: v.ARRA_WEBHOOK_BIND ?? v.ARRA_BIND,
    adminListen: adminListen(v, v.ARRA_WEBHOOK_BIND ?? v.ARRA_BIND),
    httpTls: v.ARRA_HTTP_TLS_CERT && v.ARRA_HTTP_TLS_KEY ? { certFile: v.ARRA_HTTP_TLS_CERT, keyFile: v.ARRA_HTTP_TLS_KEY } : undefined,
    adminToken: v.ARRA_ADMIN_TOKEN,
    logLevel: v.ARRA_LOG_LEVEL,
    issuer: v.ARRA_ISSUER,
    audience: v.ARRA_AUDIENCE,
    tokenTtlSeconds: v.ARRA_TOKEN_TTL,
    jwtAlg: v.ARRA_JWT_ALG,
    clockToleranceSeconds: v.ARRA_CLOCK_TOLERANCE,
    aclNoMatch: v.ARRA_ACL_NO_MATCH,
    allowAnonymous: v.ARRA_ALLOW_ANONYMOUS,
    cacheSize: v.ARRA_CACHE_SIZE,
    lockout: {
      slowAfter: v.ARRA_LOCKOUT_SLOW_AFTER,
      lockAfter: v.ARRA_LOCKOUT_LOCK_AFTER,
      windowSeconds: v.ARRA_LOCKOUT_WINDOW,
      lockSeconds: v.ARRA_LOCKOUT_SECONDS,
    },
    webhookSecret: v.ARRA_WEBHOOK_SECRET,
    webhookAllow: v.ARRA_WEBHOOK_ALLOW,
    trustCertSubject: v.ARRA_TRUST_CERT_SUBJECT,
    bodyLimit: v.ARRA_BODY_LIMIT,
    importBodyLimit: v.ARRA_IMPORT_BODY_LIMIT,
    databaseUrl: v.ARRA_DATABASE_URL,
    keyEncryptionKey: v.ARRA_KEY_ENCRYPTION_KEY,
    emqxApi: v.ARRA_EMQX_API_URL ? { url: v.ARRA_EMQX_API_URL, key: v.ARRA_EMQX_API_KEY!, secret: v.ARRA_EMQX_API_SECRET! } : undefined,
    http: {
      headersTimeoutMs: v.ARRA_HTTP_HEADERS_TIMEOUT * 1000,
      requestTimeoutMs: v.ARRA_HTTP_REQUEST_TIMEOUT * 1000,
      keepAliveTimeoutMs: v.ARRA_HTTP_KEEPALIVE_TIMEOUT * 1000,
      socketTimeoutMs: v.ARRA_HTTP_SOCKET_TIMEOUT * 1000,
      maxConnections: v.ARRA_HTTP_MAX_CONNECTIONS,
      maxConnectionsPerAddress: v.ARRA_HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    },
  };
}

/** Every variable with its default and meaning, for the README's configuration table (`scripts/config-table.ts`). */
export function verifierConfigRows(): Array<{ name: string; default: string; description: string }> {
  return Object.entries(VARIABLES as Record<string, Variable>).map(([name, v]) => ({
    name,
    default: v.default === undefined ? (v.unset ?? '(generated)') : v.default === '' ? '(empty)' : v.default,
    description: v.description,
  }));
}
