/** The verifier's composition root: secrets, store, signing key, decider, app, listeners; `close()` in reverse. */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { TlsPems } from '../ca/server-tls.js';
import { loadConfig, type Config, type VerifierConfig } from '../config.js';
import { createDecider, type DeciderConfig, type ManagedDecider } from '../core/index.js';
import { createExternalKeyResolver } from '../external-jwks.js';
import { createLogger, type Logger } from '../../logging/logger.js';
import { createAdmin, type Admin } from '../admin/index.js';
import { join } from 'node:path';
import { openStore, type Store } from '../store/index.js';
import { openPostgresStore } from '../store/postgres/store.js';
import { brokerControlClient } from './admin/broker-control.js';
import type { BrokerClientsLink } from './admin/connections.js';
import { buildApp } from './app.js';
import { adminSocketSet, isLoopback, listenAdmin, listenerTls, type AdminListener } from './listeners.js';
import { createMetrics } from './metrics.js';
import { keyEncryptionKey, resolveSecrets } from './secret-files.js';
import { keepRememberedTokens, takeOverRememberedTokens } from './remembered-tokens.js';

export interface RunningVerifier extends Omit<AssembledVerifier, 'generatedAdminToken' | 'tls' | 'adminSockets'> {
  /** The webhook listener, with the real port when `ARRA_HTTP_PORT=0`. */
  url: string;
  /** Where the admin API answers: `url` when it shares that listener, else its own listener's. */
  adminUrl: string;
}

export interface StartOptions {
  /** Default: the logger `ARRA_LOG_LEVEL` describes, writing JSON to stdout. */
  logger?: Logger;
  /** Where the first-start notice goes (default: process.stderr). */
  stderr?: NodeJS.WritableStream;
  /** The bundled broker's clients, once the caller started it in this process (default: the standalone broker's control socket). */
  brokerClients?: BrokerClientsLink;
}

/** Lockout tuning the environment does not expose: sane for every deployment we know of. */
const LOCKOUT_TUNING = { baseDelayMs: 250, maxDelayMs: 5000, maxTrackedKeys: 100_000 };
/** External issuers' JWKS: a CONNECT waits at most this long for a fetch; keys are kept 5 min. */
const EXTERNAL_JWKS = { fetchTimeoutMs: 2000, cacheSeconds: 300, cooldownSeconds: 30 };

/** Assembled, not listening: what tests and `startVerifier` share. */
export interface AssembledVerifier {
  app: FastifyInstance;
  store: Store;
  admin: Admin;
  decider: ManagedDecider;
  config: VerifierConfig;
  /** Set when this start generated the admin token (the caller shows it once). */
  generatedAdminToken: { path: string; value: string } | undefined;
  /** The certificate of the listeners off loopback; undefined when all are on loopback. */
  tls: TlsPems | undefined;
  /** The admin listener's sockets, when the admin API has a listener of its own. */
  adminSockets: ReturnType<typeof adminSocketSet> | undefined;
  close(): Promise<void>;
}

export async function assembleVerifier(input: Config, logger?: Logger, brokerClients?: BrokerClientsLink): Promise<AssembledVerifier> {
  const { config, generatedAdminToken } = resolveSecrets(input);
  const log = logger ?? createLogger({ level: config.logLevel });
  const store = await openRegistry(config, log);
  try {
    const admin = await createAdmin({
      store,
      clock: Date,
      logger: log,
      tokens: { issuer: config.issuer, audience: config.audience, defaultTtlSeconds: config.tokenTtlSeconds },
    });
    await ensureSigningAlg(admin, config, log);
    const metrics = createMetrics();
    const decider = createDecider({
      registry: store,
      keys: admin.keys,
      externalKeys: createExternalKeyResolver({ ...EXTERNAL_JWKS, logger: log }),
      clock: Date,
      logger: log,
      config: deciderConfig(config),
      onDecision: metrics.onDecision,
    });
    metrics.readStatsFrom(() => decider.stats());
    takeOverRememberedTokens(config, log);
    const tls = await listenerTls(config);
    const adminSockets = config.adminListen ? adminSocketSet() : undefined;
    const app = await buildApp({
      config,
      logger: log,
      decider,
      store,
      admin,
      metrics,
      brokerClients: brokerClients ?? standaloneBroker(config),
      ...(adminSockets ? { adminSocket: (socket: Socket) => adminSockets.has(socket) } : {}),
      ...(tls && !isLoopback(config.bind) ? { https: tls } : {}),
    });
    return {
      app,
      store,
      admin,
      decider,
      config,
      generatedAdminToken,
      tls,
      adminSockets,
      async close() {
        await app.close();
        keepRememberedTokens(config, log);
        decider.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Without a broker in this process, the admin API asks the standalone broker's control socket. */
function standaloneBroker(config: VerifierConfig): BrokerClientsLink {
  const client = brokerControlClient(config.brokerControlSocket, config.webhookSecret);
  return () => client;
}

export async function startVerifier(input: Config = loadConfig(), options: StartOptions = {}): Promise<RunningVerifier> {
  const verifier = await assembleVerifier(input, options.logger, options.brokerClients);
  const { app, config, generatedAdminToken, tls, adminSockets } = verifier;
  let admin: AdminListener | undefined;
  try {
    const url = await app.listen({ host: config.bind, port: config.httpPort });
    if (config.adminListen && adminSockets) {
      admin = await listenAdmin(app, config.adminListen, isLoopback(config.adminListen.bind) ? undefined : tls, adminSockets, config.http);
      app.log.info({ url: admin.url }, 'admin API listening');
    }
    if (generatedAdminToken) {
      // The one and only time the token is shown: it is not logged, and only its hash stays in memory.
      (options.stderr ?? process.stderr).write(
        `arra-mq verifier: first start, generated the admin token (also in ${generatedAdminToken.path}, mode 0600):\n${generatedAdminToken.value}\n`,
      );
      app.log.info({ path: generatedAdminToken.path }, 'admin token generated (printed once to stderr)');
    }
    const { generatedAdminToken: _shownOnce, tls: _tls, adminSockets: _sockets, ...running } = verifier;
    const adminListener = admin;
    return {
      ...running,
      url,
      adminUrl: adminListener?.url ?? url,
      async close() {
        await adminListener?.close();
        await verifier.close();
      },
    };
  } catch (err) {
    await admin?.close();
    await verifier.close();
    throw err;
  }
}

/** The replica's mirror of a PostgreSQL registry, rebuilt at every start. */
export const MIRROR_FILE = 'registry-mirror.sqlite';

/** SQLite in the data directory, or the PostgreSQL registry `ARRA_DATABASE_URL` names. */
async function openRegistry(config: VerifierConfig, logger: Logger): Promise<Store> {
  if (!config.databaseUrl) return openStore({ dataDir: config.dataDir, logger });
  const kek = keyEncryptionKey(config.dataDir, config.keyEncryptionKey);
  return openPostgresStore({ url: config.databaseUrl, kek, mirrorPath: join(config.dataDir, MIRROR_FILE), logger });
}

function deciderConfig(config: VerifierConfig): DeciderConfig {
  return {
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: config.clockToleranceSeconds,
    aclNoMatch: config.aclNoMatch,
    allowAnonymous: config.allowAnonymous,
    cacheSize: config.cacheSize,
    lockout: { ...config.lockout, ...LOCKOUT_TUNING },
  };
}

/** `ARRA_JWT_ALG` names the algorithm new tokens are signed with: rotate once when the active key differs. */
async function ensureSigningAlg(admin: Admin, config: VerifierConfig, logger: Logger): Promise<void> {
  const active = admin.keys.activeSigningKey();
  if (active.alg === config.jwtAlg) return;
  const rotated = await admin.rotateKey(config.jwtAlg);
  logger.info({ from: active.kid, to: rotated.kid, alg: rotated.alg }, 'rotated the signing key to ARRA_JWT_ALG');
}
