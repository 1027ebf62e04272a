/**
 * One replica's mirror, measured in a process of its own so its RSS is the mirror's: `tsx
 * scripts/bench/mirror-child.ts <database url> <mirror path | :memory:> <devices>` loads the mirror
 * and times the reads a decision cache miss makes on it; prints one JSON line.
 *
 * @module scripts/bench/mirror-child
 */
import pg from 'pg';
import { createRegistryReads } from '../../verifier/store/registry-reads.js';
import { dropMirror, loadMirror } from '../../verifier/store/postgres/mirror.js';

const [url, path, devicesText] = process.argv.slice(2);
const devices = Number(devicesText);
const READ_MS = 3000;

const pool = new pg.Pool({ connectionString: url, max: 1 });
const rssBefore = process.memoryUsage().rss;
const started = process.hrtime.bigint();
const db = await loadMirror(pool, path!);
const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
await pool.end();
global.gc?.();
const rssMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;

const reads = createRegistryReads(db);
const times: number[] = [];
const until = Date.now() + READ_MS;
while (Date.now() < until) {
  const t0 = process.hrtime.bigint();
  const device = reads.getDevice(`dev-${Math.floor(Math.random() * devices)}`);
  reads.listPasswordCredentials(device!.id);
  reads.rulesFor(device!);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const at = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!;
dropMirror(db);
process.stdout.write(`${JSON.stringify({ loadSeconds, rssMb, p50: at(0.5), p99: at(0.99), reads: times.length })}\n`);
