/**
 * The floor a Node process sets: a bare `net` server that answers CONNECT and SUBSCRIBE and forwards
 * every PUBLISH to every subscriber. What a Node broker adds to it in memory, latency and connects is
 * the broker's own cost; what it adds to Mosquitto is the runtime's.
 */
import { createServer, type Socket } from 'node:net';
import { FrameScanner } from './scanner.js';

const port = Number(process.argv[2]);
const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const DISCONNECT = Buffer.from([0xe0, 0x00]);
const SUBSCRIBE = 8;
const PUBLISH = 3;

const sockets = new Set<Socket>();
const subscribers = new Set<Socket>();
/** Only sockets that send after CONNECT get a scanner: an idle socket keeps none. */
const scanners = new WeakMap<Socket, FrameScanner>();
let forwarded: Buffer[] = [];

/** Shared, not a closure per socket: the floor should carry nothing a careful server would not. */
function answerConnect(this: Socket): void {
  this.write(CONNACK);
  this.on('data', relay);
}

function relay(this: Socket, chunk: Buffer): void {
  if (chunk.equals(DISCONNECT)) return void this.end();
  let scanner = scanners.get(this);
  if (scanner === undefined) {
    scanner = new FrameScanner((type, frame, bodyStart) => {
      if (type === PUBLISH) forwarded.push(frame);
      else if (type === SUBSCRIBE) subscribe(this, frame, bodyStart);
    });
    scanners.set(this, scanner);
  }
  scanner.push(chunk);
  if (forwarded.length === 0) return;
  const data = forwarded.length === 1 ? forwarded[0]! : Buffer.concat(forwarded);
  forwarded = [];
  for (const subscriber of subscribers) subscriber.write(data);
}

/** Grants QoS 0 to the first filter: the floor forwards everything to every subscriber. */
function subscribe(socket: Socket, frame: Buffer, bodyStart: number): void {
  subscribers.add(socket);
  socket.write(Buffer.from([0x90, 0x03, frame[bodyStart]!, frame[bodyStart + 1]!, 0x00]));
}

function ignore(): void {}
function forget(this: Socket): void {
  sockets.delete(this);
  subscribers.delete(this);
}

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
