/**
 * The broker's store file (`broker.db` in the data directory, beside the verifier's registry but
 * its own file): SQLite in WAL mode, written by group commit. Every write of one event-loop turn
 * joins one batch, committed in one transaction from `setImmediate`; the acknowledgements waiting
 * on it leave after the commit. The file is bounded (`max_page_count`): a commit that would grow it
 * past `maxBytes` fails as a whole, and its waiting acknowledgements are told so.
 *
 * @module broker/persistence/sqlite-store
 */
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { Message } from '../routing/message.js';
import { messageToRow, rowToMessage, sessionFromJson, sessionToJson, type MessageRow } from './rows.js';
import type { BrokerStore, DeliveryRecord, SessionRecord, StoredState } from './store.js';

const SCHEMA_VERSION = 1;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS retained (
    topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
    props TEXT, expires_at INTEGER, origin TEXT);
  CREATE TABLE IF NOT EXISTS sessions (client_id TEXT PRIMARY KEY, record TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,
    qos INTEGER NOT NULL, retain INTEGER NOT NULL, props TEXT, expires_at INTEGER, origin TEXT,
    out_qos INTEGER NOT NULL, out_retain INTEGER NOT NULL, sub_ids TEXT, packet_id INTEGER, pubrel INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS deliveries_by_client ON deliveries (client_id);
`;

export interface SqliteStoreOptions {
  path: string;
  durability: 'fsync' | 'os';
  /** The file never grows past this; a commit that would is refused. */
  maxBytes: number;
  onError(err: unknown): void;
}

interface DeliveryRow extends MessageRow {
  seq: number;
  client_id: string;
  out_qos: number;
  out_retain: number;
  sub_ids: string | null;
  packet_id: number | null;
  pubrel: number;
}

type Write = () => void;

export class SqliteStore implements BrokerStore {
  readonly durability: 'fsync' | 'os';
  private readonly db: Db;
  private readonly statements: Record<
    'putRetained' | 'deleteRetained' | 'putSession' | 'deleteSession' | 'deleteSessionDeliveries' | 'addDelivery' | 'setState' | 'deleteDelivery' | 'committedAt',
    Statement
  >;
  private writes: Write[] = [];
  /** Deliveries added in this batch: a state change or a delete before the commit edits or cancels the row. */
  private readonly newDeliveries = new Map<number, DeliveryRow>();
  /** Packet id and state of deliveries stored by an earlier commit. */
  private readonly deliveryStates = new Map<number, [packetId: number, pubrel: number]>();
  private readonly retained = new Map<string, Message | null>();
  private readonly sessions = new Map<string, () => SessionRecord>();
  private waiting: Array<(stored: boolean) => void> = [];
  private scheduled: NodeJS.Immediate | null = null;
  private seq = 0;
  private closed = false;
  private readonly commitBatch: () => void;

  constructor(private readonly options: SqliteStoreOptions) {
    this.durability = options.durability;
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'fsync' ? 'FULL' : 'NORMAL'}`);
    this.db.exec(SCHEMA);
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    this.db.pragma(`max_page_count = ${Math.max(16, Math.floor(options.maxBytes / pageSize))}`);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const prepare = (sql: string) => this.db.prepare(sql);
    this.statements = {
      putRetained: prepare(
        'INSERT OR REPLACE INTO retained (topic, payload, qos, retain, props, expires_at, origin) VALUES (@topic, @payload, @qos, @retain, @props, @expires_at, @origin)',
      ),
      deleteRetained: prepare('DELETE FROM retained WHERE topic = ?'),
      putSession: prepare('INSERT OR REPLACE INTO sessions (client_id, record) VALUES (?, ?)'),
      deleteSession: prepare('DELETE FROM sessions WHERE client_id = ?'),
      deleteSessionDeliveries: prepare('DELETE FROM deliveries WHERE client_id = ?'),
      addDelivery: prepare(
        `INSERT INTO deliveries (seq, client_id, topic, payload, qos, retain, props, expires_at, origin, out_qos, out_retain, sub_ids, packet_id, pubrel)
         VALUES (@seq, @client_id, @topic, @payload, @qos, @retain, @props, @expires_at, @origin, @out_qos, @out_retain, @sub_ids, @packet_id, @pubrel)`,
      ),
      setState: prepare('UPDATE deliveries SET packet_id = ?, pubrel = ? WHERE seq = ?'),
      deleteDelivery: prepare('DELETE FROM deliveries WHERE seq = ?'),
      committedAt: prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('committed_at', ?)"),
    };
    this.seq = (this.db.prepare('SELECT max(seq) AS seq FROM deliveries').get() as { seq: number | null }).seq ?? 0;
    this.commitBatch = this.db.transaction(() => this.writeBatch());
  }

  load(now: number): StoredState {
    this.db.prepare('DELETE FROM retained WHERE expires_at <= ?').run(now);
    this.db.prepare('DELETE FROM deliveries WHERE expires_at <= ? OR client_id NOT IN (SELECT client_id FROM sessions)').run(now);
    const retained = (this.db.prepare('SELECT * FROM retained').all() as MessageRow[]).map(rowToMessage);
    const sessions = (this.db.prepare('SELECT record FROM sessions').all() as Array<{ record: string }>).map((row) => sessionFromJson(row.record));
    const deliveries = (this.db.prepare('SELECT * FROM deliveries ORDER BY seq').all() as DeliveryRow[]).map(rowToDelivery);
    const committed = this.db.prepare("SELECT value FROM meta WHERE key = 'committed_at'").get() as { value: number } | undefined;
    return { sessions, deliveries, retained, lastCommitAt: committed?.value ?? null };
  }

  saveRetained(message: Message): void {
    this.retained.set(message.topic, message);
    this.schedule();
  }

  deleteRetained(topic: string): void {
    this.retained.set(topic, null);
    this.schedule();
  }

  saveSession(clientId: string, snapshot: () => SessionRecord): void {
    this.sessions.set(clientId, snapshot);
    this.schedule();
  }

  deleteSession(clientId: string): void {
    // A snapshot taken earlier in this batch is of the session being deleted.
    this.sessions.delete(clientId);
    for (const [seq, row] of this.newDeliveries) if (row.client_id === clientId) this.newDeliveries.delete(seq);
    this.write(() => {
      this.statements.deleteSession.run(clientId);
      this.statements.deleteSessionDeliveries.run(clientId);
    });
  }

  nextSeq(): number {
    return ++this.seq;
  }

  addDelivery(record: DeliveryRecord): void {
    if (this.closed) return;
    this.newDeliveries.set(record.seq, deliveryToRow(record));
    this.schedule();
  }

  setDeliveryState(seq: number, packetId: number, state: 'publish' | 'pubrel'): void {
    const pubrel = state === 'pubrel' ? 1 : 0;
    const row = this.newDeliveries.get(seq);
    if (row !== undefined) {
      row.packet_id = packetId;
      row.pubrel = pubrel;
    } else if (!this.closed) {
      this.deliveryStates.set(seq, [packetId, pubrel]);
      this.schedule();
    }
  }

  deleteDelivery(seq: number): void {
    if (this.newDeliveries.delete(seq)) return;
    this.deliveryStates.delete(seq);
    this.write(() => this.statements.deleteDelivery.run(seq));
  }

  afterCommit(then: (stored: boolean) => void): void {
    if (this.scheduled === null) then(!this.closed);
    else this.waiting.push(then);
  }

  /** Commits what waits; later writes (a will sent while the broker stops) are not kept. */
  close(): void {
    if (this.closed) return;
    if (this.scheduled !== null) {
      clearImmediate(this.scheduled);
      this.commit();
    }
    this.closed = true;
    this.db.close();
  }

  private write(write: Write): void {
    if (this.closed) return;
    this.writes.push(write);
    this.schedule();
  }

  private schedule(): void {
    if (!this.closed) this.scheduled ??= setImmediate(() => this.commit());
  }

  private commit(): void {
    this.scheduled = null;
    const waiting = this.waiting;
    this.waiting = [];
    let stored = true;
    try {
      this.commitBatch();
    } catch (err) {
      stored = false;
      this.options.onError(err);
    } finally {
      this.writes = [];
      this.newDeliveries.clear();
      this.deliveryStates.clear();
      this.retained.clear();
      this.sessions.clear();
    }
    for (const then of waiting) {
      try {
        then(stored);
      } catch (err) {
        this.options.onError(err);
      }
    }
  }

  private writeBatch(): void {
    for (const write of this.writes) write();
    for (const row of this.newDeliveries.values()) this.statements.addDelivery.run(row);
    for (const [seq, [packetId, pubrel]] of this.deliveryStates) this.statements.setState.run(packetId, pubrel, seq);
    for (const [topic, message] of this.retained) {
      if (message === null) this.statements.deleteRetained.run(topic);
      else this.statements.putRetained.run(messageToRow(message));
    }
    for (const [clientId, snapshot] of this.sessions) this.statements.putSession.run(clientId, sessionToJson(snapshot()));
    this.statements.committedAt.run(Date.now());
  }
}

function deliveryToRow(record: DeliveryRecord): DeliveryRow {
  return {
    ...messageToRow(record.message),
    out_qos: record.qos,
    out_retain: record.retain ? 1 : 0,
    seq: record.seq,
    client_id: record.clientId,
    sub_ids: record.subIds === undefined ? null : JSON.stringify(record.subIds),
    packet_id: record.packetId,
    pubrel: record.state === 'pubrel' ? 1 : 0,
  };
}

function rowToDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    seq: row.seq,
    clientId: row.client_id,
    message: rowToMessage(row),
    qos: row.out_qos as 1 | 2,
    retain: row.out_retain === 1,
    subIds: row.sub_ids === null ? undefined : (JSON.parse(row.sub_ids) as number[]),
    packetId: row.packet_id,
    state: row.pubrel === 1 ? 'pubrel' : 'publish',
  };
}
