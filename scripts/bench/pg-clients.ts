/**
 * `npm run bench:pg-clients`: the measurement behind the PostgreSQL client choice (issue 18: "choose
 * the client library by measurement"). `pg` (node-postgres, our dependency) against `postgres`
 * (postgres.js), the one other well-kept pure-JS client, on the three things the store asks of a client:
 * one prepared point read (a cache miss without the mirror, a write's read-back), a whole table through
 * a cursor (a replica's mirror load) and one bulk insert in a transaction (an import). postgres.js is
 * not a dependency: install it for this run only (`npm install --no-save postgres`); without it the
 * script says so and measures `pg` alone. `ARRA_BENCH_PG_DEVICES` sets the table (default 200,000).
 * Prints a Markdown table; client CPU is this process's user + system time per operation.
 */
import pg from 'pg';
import { scratchDatabase, stopTestCluster } from '../../verifier/store/postgres/test/cluster.js';

const DEVICES = Number(process.env.ARRA_BENCH_PG_DEVICES ?? 200_000);
const POINT_MS = 3000;
const CURSOR_ROWS = 1000;
const INSERT_ROWS = 10_000;
const COLUMNS = 'id, superuser, require_client_id_match, enabled, disabled_reason, attributes, created_at, updated_at';

interface Client {
  name: string;
  point(id: string): Promise<unknown>;
  scan(onRows: (count: number) => void): Promise<void>;
  insert(ids: string[]): Promise<void>;
  close(): Promise<void>;
}

interface Figures {
  pointP50: number;
  pointCpu: number;
  scanSeconds: number;
  scanCpu: number;
  insertSeconds: number;
}

function nodePostgres(url: string): Client {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    name: '`pg` (node-postgres)',
    point: (id) => pool.query({ name: 'point', text: `SELECT ${COLUMNS} FROM devices WHERE id = $1`, values: [id] }),
    async scan(onRows) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`DECLARE rows NO SCROLL CURSOR FOR SELECT ${COLUMNS} FROM devices`);
        for (;;) {
          const { rows } = await client.query(`FETCH ${CURSOR_ROWS} FROM rows`);
          if (rows.length === 0) break;
          onRows(rows.length);
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    async insert(ids) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO devices (id, created_at, updated_at) SELECT unnest($1::text[]), 1, 1', [ids]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

type Tagged = ((strings: TemplateStringsArray, ...values: unknown[]) => Promise<unknown> & { cursor(rows: number): AsyncIterable<unknown[]> }) & {
  unsafe(text: string, values: unknown[], options: { prepare: boolean }): Promise<unknown> & { cursor(rows: number): AsyncIterable<unknown[]> };
  begin(run: (sql: Tagged) => Promise<unknown>): Promise<unknown>;
  end(): Promise<void>;
};

/** postgres.js, when installed for this run: imported by a name tsc does not resolve, as it is no dependency. */
async function postgresJs(url: string): Promise<Client | string> {
  const name = 'postgres';
  const loaded = await import(name).catch(() => undefined) as { default: (url: string, options: object) => Tagged } | undefined;
  if (!loaded) return 'postgres.js is not installed (`npm install --no-save postgres` to include it)';
  const sql = loaded.default(url, { max: 1, prepare: true });
  return {
    name: '`postgres` (postgres.js)',
    point: (id) => sql.unsafe(`SELECT ${COLUMNS} FROM devices WHERE id = $1`, [id], { prepare: true }),
    async scan(onRows) {
      await sql.begin(async (tx) => {
        for await (const rows of tx.unsafe(`SELECT ${COLUMNS} FROM devices`, [], { prepare: false }).cursor(CURSOR_ROWS)) onRows(rows.length);
      });
    },
    async insert(ids) {
      await sql.begin((tx) => tx.unsafe('INSERT INTO devices (id, created_at, updated_at) SELECT unnest($1::text[]), 1, 1', [ids], { prepare: true }));
    },
    close: () => sql.end(),
  };
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

async function measure(client: Client, round: number): Promise<Figures> {
  const latencies: number[] = [];
  let cpu = process.cpuUsage();
  const until = performance.now() + POINT_MS;
  while (performance.now() < until) {
    const started = performance.now();
    await client.point(`dev-${Math.floor(Math.random() * DEVICES)}`);
    latencies.push(performance.now() - started);
  }
  const pointCpu = cpuMicros(cpu) / latencies.length;
  latencies.sort((a, b) => a - b);
  let scanned = 0;
  cpu = process.cpuUsage();
  let started = performance.now();
  await client.scan((count) => { scanned += count; });
  const scanSeconds = (performance.now() - started) / 1000;
  const scanCpu = cpuMicros(cpu) / 1e6;
  if (scanned < DEVICES) throw new Error(`${client.name} scanned ${scanned} of ${DEVICES} rows`);
  const ids = Array.from({ length: INSERT_ROWS }, (_, i) => `new-${round}-${client.name.length}-${i}`);
  started = performance.now();
  await client.insert(ids);
  return { pointP50: latencies[Math.floor(latencies.length / 2)]!, pointCpu, scanSeconds, scanCpu, insertSeconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const database = await scratchDatabase();
  const setup = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    await setup.query(`CREATE TABLE devices (id TEXT PRIMARY KEY, superuser BOOLEAN NOT NULL DEFAULT FALSE,
      require_client_id_match BOOLEAN NOT NULL DEFAULT TRUE, enabled BOOLEAN NOT NULL DEFAULT TRUE, disabled_reason TEXT,
      attributes TEXT NOT NULL DEFAULT '{"site":"north"}', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`);
    await setup.query(`INSERT INTO devices (id, created_at, updated_at) SELECT 'dev-' || i, 1, 1 FROM generate_series(0, $1 - 1) AS i`, [DEVICES]);
    await setup.query('VACUUM ANALYZE devices');
    const other = await postgresJs(database.url);
    const clients = [nodePostgres(database.url), ...(typeof other === 'string' ? [] : [other])];
    const results = new Map<string, Figures[]>();
    for (let round = 0; round < 3; round += 1) {
      for (const client of clients) results.set(client.name, [...(results.get(client.name) ?? []), await measure(client, round)]);
    }
    await Promise.all(clients.map((client) => client.close()));
    report(results, typeof other === 'string' ? other : undefined);
  } finally {
    await setup.end();
    await database.drop();
    await stopTestCluster();
  }
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function report(results: Map<string, Figures[]>, missing: string | undefined): void {
  const rows = [
    `| client | point read p50 ms | client CPU µs per point read | ${DEVICES.toLocaleString('en-US')} rows by cursor, s | client CPU for them, s | insert ${INSERT_ROWS.toLocaleString('en-US')} rows in a transaction, s |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [name, runs] of results) {
    const m = (key: keyof Figures, digits: number) => median(runs.map((run) => run[key])).toFixed(digits);
    rows.push(`| ${name} | ${m('pointP50', 3)} | ${m('pointCpu', 1)} | ${m('scanSeconds', 2)} | ${m('scanCpu', 2)} | ${m('insertSeconds', 3)} |`);
  }
  console.log(rows.join('\n'));
  console.log(`\nMedian of 3 rounds, the clients in turn, one connection each, on ${process.version}.${missing ? ` ${missing}.` : ''}`);
}

await main();
