/**
 * The floor for memory per idle connection: a bare Node `net` server that answers the first bytes
 * of each socket with a successful 3.1.1 CONNACK (so the load generator's clients connect as they
 * do to a broker) and otherwise only keeps the socket open, with TCP_NODELAY like the brokers.
 * What a Node broker holds per idle client beyond this is the broker's own cost. Prints `ready`.
 *
 * @module scripts/bench/server-net
 */
import { createServer, type Socket } from 'node:net';

const port = Number(process.argv[2]);
const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

/** Shared, not a closure per socket: the floor should carry nothing a careful server would not. */
function answerConnect(this: Socket): void {
  this.write(CONNACK);
}
function ignore(): void {}
function forget(this: Socket): void {
  sockets.delete(this);
}

const sockets = new Set<Socket>();
const server = createServer((socket) => {
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.once('data', answerConnect);
  socket.on('error', ignore);
  socket.on('close', forget);
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
// The benchmark reads RSS after a full collection, so garbage is not counted as per-connection memory.
process.on('SIGUSR2', () => globalThis.gc?.());
process.once('SIGTERM', () => {
  for (const socket of sockets) socket.destroy();
  server.close(() => process.exit(0));
});
