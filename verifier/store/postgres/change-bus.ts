/**
 * Registry changes across replicas. A write appends its changes to `change_log` in its own transaction
 * and NOTIFYs; PostgreSQL delivers the notification at COMMIT only, so a rolled-back write announces
 * nothing. Each replica LISTENs on one connection of its own and, on a notification, reads the log
 * after the last `seq` it saw, so it misses nothing even when notifications are merged or its
 * connection was lost for a while (it then reconnects with backoff and catches up from the log; only
 * when the log was pruned past that point, `change_log_horizon`, does it announce `{kind: 'all'}` with
 * `gap` set: the log no longer says what changed).
 *
 * Writers take a transaction-scoped advisory lock before appending: `seq` then follows commit order,
 * and a reader that has seen seq N can never later find an N-1 committed behind it.
 *
 * @module verifier/store/postgres/change-bus
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Change } from '../../../schemas/index.js';

const CHANNEL = 'arra_registry_changes';
/** Signing keys changed (no decision did): replicas reload their key rings. NOTIFY it inside the write. */
export const KEYS_CHANNEL = 'arra_signing_keys';
/** `pg_advisory_xact_lock` key serialising appends to change_log ('arra-chg' as an int8). */
const CHANGE_LOCK = 0x6172_7261_6368_67n;
const PAGE = 1000;

/** `gap`: the log was pruned (or replaced by a copy) past this replica's position: re-read everything. */
export type ChangeBusListener = (change: Change, seq: number, gap: boolean) => void;

/** The log rows of a write, one seq each: each device once, then `null` for an `all`. */
export function changeLogRows(changes: readonly Change[]): Array<string | null> {
  const devices = new Set(changes.flatMap((c) => (c.kind === 'device' ? [c.deviceId] : [])));
  return [...devices, ...(changes.some((c) => c.kind === 'all') ? [null] : [])];
}

/**
 * Appends `changes` to the log inside the caller's open transaction (call it last, just before COMMIT);
 * returns the log seqs it took, in `changeLogRows` order.
 */
export async function recordChanges(client: pg.ClientBase, changes: readonly Change[], now = Date.now()): Promise<number[]> {
  if (changes.length === 0) return [];
  const deviceIds = changeLogRows(changes);
  await client.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_LOCK.toString()]);
  const { rows } = await client.query<{ seq: string }>(
    `INSERT INTO change_log (device_id, created_at)
     SELECT r.device_id, $2 FROM unnest($1::text[]) WITH ORDINALITY AS r(device_id, n) ORDER BY r.n RETURNING seq`, [deviceIds, now]);
  await client.query('SELECT pg_notify($1, $2)', [CHANNEL, '']);
  return rows.map((r) => Number(r.seq));
}

/** Deletes log rows older than `retentionMs` and moves the horizon; a replica behind it re-checks everything. */
export async function pruneChanges(pool: pg.Pool, retentionMs: number, now = Date.now()): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `WITH pruned AS (DELETE FROM change_log WHERE created_at < $1 RETURNING seq),
          moved AS (UPDATE change_log_horizon SET pruned_through = GREATEST(pruned_through, (SELECT MAX(seq) FROM pruned))
                    WHERE EXISTS (SELECT 1 FROM pruned))
     SELECT count(*)::int AS n FROM pruned`, [now - retentionMs]);
  return rows[0]?.n ?? 0;
}

export interface ChangeBusOptions {
  /** Connection string of the database (the bus keeps one connection of its own). */
  url: string;
  logger?: Logger;
  /** The signing keys changed somewhere (also called after a reconnect: a notice may have been missed). */
  onKeysChanged?: () => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ChangeBus {
  /** The last `seq` delivered: a revision every replica agrees on. */
  readonly revision: number;
  onChange(listener: ChangeBusListener): () => void;
  close(): Promise<void>;
}

/** Connects, LISTENs and starts at the log's current end; resolves once listening. */
export async function startChangeBus(options: ChangeBusOptions): Promise<ChangeBus> {
  const listeners = new Set<ChangeBusListener>();
  let revision = 0;
  let client: pg.Client | undefined;
  let closed = false;
  let reading: Promise<void> = Promise.resolve();
  let again = false;

  function emit(change: Change, seq: number, gap = false): void {
    for (const listener of listeners) {
      try {
        listener(change, seq, gap);
      } catch (err) {
        options.logger?.error({ err, change }, 'registry change listener threw');
      }
    }
  }

  async function readLog(from: pg.Client): Promise<void> {
    const horizon = await from.query<{ pruned_through: string }>('SELECT pruned_through FROM change_log_horizon');
    const prunedThrough = Number(horizon.rows[0]?.pruned_through ?? 0);
    if (prunedThrough > revision) {
      revision = prunedThrough;
      emit({ kind: 'all' }, revision, true);
    }
    for (;;) {
      const { rows } = await from.query<{ seq: string; device_id: string | null }>(
        'SELECT seq, device_id FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2', [revision, PAGE]);
      for (const row of rows) {
        revision = Number(row.seq);
        emit(row.device_id === null ? { kind: 'all' } : { kind: 'device', deviceId: row.device_id }, revision);
      }
      if (rows.length < PAGE) return;
    }
  }

  /** Reads are serialised; a notification during one makes it read once more. */
  function catchUp(from: pg.Client): void {
    again = true;
    reading = reading.then(async () => {
      while (again && !closed) {
        again = false;
        await readLog(from);
      }
    }).catch((err: unknown) => {
      options.logger?.warn({ err }, 'registry change log could not be read');
      from.end().catch(() => undefined);
    });
  }

  /** LISTENs, then reads what the log holds past `revision` (the first time: starts at its end). */
  async function connect(first: boolean): Promise<pg.Client> {
    const next = new pg.Client({ connectionString: options.url, application_name: 'arra-change-bus' });
    next.on('error', (err) => options.logger?.warn({ err }, 'registry change bus lost its connection'));
    await next.connect();
    if (first) revision = Number((await next.query<{ seq: string | null }>('SELECT MAX(seq) AS seq FROM change_log')).rows[0]?.seq ?? 0);
    next.on('notification', (message) => (message.channel === KEYS_CHANNEL ? options.onKeysChanged?.() : catchUp(next)));
    next.once('end', () => void reconnect());
    await next.query(`LISTEN ${CHANNEL}; LISTEN ${KEYS_CHANNEL}`);
    if (!first) options.onKeysChanged?.();
    catchUp(next);
    return next;
  }

  async function reconnect(): Promise<void> {
    client = undefined;
    let failures = 0;
    while (!closed) {
      await sleep(Math.min(options.maxBackoffMs ?? 5000, (options.minBackoffMs ?? 100) * 2 ** Math.min(failures, 16)));
      if (closed) return;
      try {
        client = await connect(false);
        options.logger?.info({ failures }, 'registry change bus reconnected; catching up from the log');
        return;
      } catch {
        failures += 1;
      }
    }
  }

  client = await connect(true);

  return {
    get revision() {
      return revision;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      const last = client;
      client = undefined;
      await reading;
      await last?.end();
    },
  };
}
