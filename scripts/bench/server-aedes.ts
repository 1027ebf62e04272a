/** Aedes, with the same constant-time password check as our broker's benchmark authorizer. */
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import aedesModule from 'aedes';
import { BENCH_PASSWORD, BENCH_USER } from './client.js';

const port = Number(process.argv[2]);
const expected = Buffer.from(BENCH_PASSWORD);

const aedes = aedesModule.createBroker({
  authenticate(_client, username, password, done) {
    const ok = username === BENCH_USER && !!password && password.length === expected.length && timingSafeEqual(password, expected);
    done(null, ok);
  },
});
const server = createServer((socket) => {
  socket.setNoDelay(true);
  aedes.handle(socket);
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
// The benchmark reads RSS after a full collection, so garbage is not counted as per-connection memory.
process.on('SIGUSR2', () => globalThis.gc?.());
process.once('SIGTERM', () => aedes.close(() => server.close(() => process.exit(0))));
