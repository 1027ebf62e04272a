/**
 * Our broker alone, asking a verifier in another process over HTTP (32 keep-alive connections), as the
 * LXC units run them: restarting it leaves the verifier and what it remembers running.
 *
 * Usage: server-ours-broker.js PORT DATA_DIR VERIFIER_URL
 */
import { createHttpAuthorizer } from '../../broker/authorizers/http.js';
import { BENCH_WEBHOOK_SECRET } from './client.js';
import { runOursBroker } from './ours-broker.js';
import { droppedLogs } from './dropped-logs.js';

const [port, dataDir, url] = process.argv.slice(2);
const logger = droppedLogs();
const authorizer = createHttpAuthorizer({ url: url!, secret: BENCH_WEBHOOK_SECRET, connections: 32, logger });
await runOursBroker(Number(port), dataDir!, authorizer, logger);
