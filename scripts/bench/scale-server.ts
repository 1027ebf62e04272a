/**
 * The replica `bench:scale` measures: `tsx scripts/bench/scale-server.ts DATA_DIR` runs the verifier on
 * the SQLite registry in DATA_DIR, or on `ARRA_DATABASE_URL` with its mirror in DATA_DIR, beside a
 * do-nothing route with the same Fastify and logger setup. One JSON line when both listen (with the
 * time the verifier took to open its store and assemble); stops when stdin ends.
 */
import { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { assembleVerifier, createLogger, loadConfig } from '../../verifier/index.js';
import { ADMIN_TOKEN, WEBHOOK_SECRET } from './scale-fleet.js';

const [dataDir] = process.argv.slice(2);
/** Lines are produced and serialised as in production, then dropped. */
const droppedLogs = () => createLogger({ level: 'info', destination: new Writable({ write: (_c, _e, done) => done() }) });
const { ARRA_DATABASE_URL, ARRA_KEY_ENCRYPTION_KEY } = process.env;

const started = performance.now();
const verifier = await assembleVerifier(
  loadConfig({ ARRA_DATA_DIR: dataDir, ARRA_ADMIN_TOKEN: ADMIN_TOKEN, ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET, ARRA_DATABASE_URL, ARRA_KEY_ENCRYPTION_KEY }),
  droppedLogs(),
);
const assembleSeconds = (performance.now() - started) / 1000;

const noop = Fastify({
  loggerInstance: droppedLogs() as FastifyBaseLogger,
  logController: new LogController({ disableRequestLogging: true }),
  forceCloseConnections: true,
});
noop.post('/noop', async () => ({ allow: true, superuser: false }));

const verifierUrl = await verifier.app.listen({ host: '127.0.0.1', port: 0 });
const noopUrl = await noop.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ verifierUrl, noopUrl, assembleSeconds })}\n`);

process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([verifier.close(), noop.close()]);
  process.exit(0);
});
