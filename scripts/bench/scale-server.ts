/**
 * The replica `bench:scale` measures (compiled, `build.ts`): `scale-server.js DATA_DIR` runs the verifier on
 * the SQLite registry in DATA_DIR, or on `ARRA_DATABASE_URL` with its mirror in DATA_DIR, beside a
 * do-nothing route with the same Fastify and logger setup. One JSON line when both listen (with the
 * time the verifier took to open its store and assemble); stops when stdin ends.
 */
import { assembleVerifier, loadConfig } from '../../verifier/index.js';
import { droppedLogs, listenBesideNoop } from './reference-route.js';
import { ADMIN_TOKEN, WEBHOOK_SECRET } from './scale-fleet.js';

const [dataDir] = process.argv.slice(2);
const { ARRA_DATABASE_URL, ARRA_KEY_ENCRYPTION_KEY } = process.env;

const started = performance.now();
const verifier = await assembleVerifier(
  loadConfig({ ARRA_DATA_DIR: dataDir, ARRA_ADMIN_TOKEN: ADMIN_TOKEN, ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET, ARRA_DATABASE_URL, ARRA_KEY_ENCRYPTION_KEY }),
  droppedLogs(),
);
const assembleSeconds = (performance.now() - started) / 1000;

const { verifierUrl, noopUrl, noop } = await listenBesideNoop(verifier.app);
process.stdout.write(`${JSON.stringify({ verifierUrl, noopUrl, assembleSeconds })}\n`);

process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([verifier.close(), noop.close()]);
  process.exit(0);
});
