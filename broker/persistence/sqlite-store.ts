/**
 * `broker.db`: SQLite in WAL mode, one transaction per event-loop turn. With `fsync` the acks of a
 * commit wait for an `fdatasync` of the WAL run off the event loop, one at a time, so they stay in
 * order. Same-turn edits fold into the add; a message for several sessions is one shared row.
 * Bounded by `max_page_count`: a commit past `maxBytes` fails whole and its acks are told.
 *
 * @module broker/persistence/sqlite-store
 */
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { Message } from '../routing/message.js';
import { MESSAGE_COLUMNS, messageParams, rowToMessage, sessionFromJson, sessionToJson, type MessageRow } from './rows.js';
import { prepareSchema } from './schema.js';
import type { BrokerStore, DeliveryRecord, SessionRecord, StoredState } from './store.js';

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
  message_id: number | null;
  out_qos: number;
  out_retain: number;
  sub_ids: string | null;
  packet_id: number | null;
  pubrel: number;
}

/** A `messages` row and the stored deliveries that refer to it; the row goes with the last of them. */
interface SharedMessage {
  id: number;
  seqs: Set<number>;
}

type Release = (stored: boolean) => void;

/** The acknowledgements of one commit, released once the WAL flush after it is done. */
interface Committed {
  waiting: Release[];
  stored: boolean;
}

const DELIVERY_TAIL = 'out_qos, out_retain, sub_ids, packet_id, pubrel';

export class SqliteStore implements BrokerStore {
  readonly durability: 'fsync' | 'os';
  private readonly db: Db;
  private readonly statements: Record<
    'putRetained' | 'deleteRetained' | 'putSession' | 'deleteSession' | 'putMessage' | 'deleteMessage' | 'addWhole' | 'addShared' | 'setState' | 'deleteDelivery' | 'committedAt',
    Statement
  >;
  /** Deliveries added in this turn, by seq. */
  private readonly added = new Map<number, DeliveryRecord>();
  /** How many of this turn's deliveries carry each message: two or more share one row. */
  private readonly copies = new Map<Message, number>();
  /** Packet id and state of deliveries an earlier commit stored. */
  private readonly states = new Map<number, [packetId: number, pubrel: number]>();
  private deletedDeliveries: number[] = [];
  private deletedMessages: number[] = [];
  private readonly deletedSessions = new Set<string>();
  private readonly sessions = new Map<string, () => SessionRecord>();
  private readonly retained = new Map<string, Message | null>();
  /** Messages stored in a row of their own, while a stored delivery refers to them. */
  private readonly shared = new Map<Message, SharedMessage>();
  private waiting: Release[] = [];
  /** `fsync`: the WAL file, to flush after commits (SQLite's own sync is NORMAL: at checkpoints only). */
  private readonly walFd: number | null = null;
  private unflushed: Committed[] = [];
  private flushing: Committed[] | null = null;
  private scheduled: NodeJS.Immediate | null = null;
  private seq: number;
  private messageId: number;
  private closed = false;
  private readonly commitBatch: () => Array<[SharedMessage, Message | null, number]>;

  constructor(private readonly options: SqliteStoreOptions) {
    this.durability = options.durability;
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    prepareSchema(this.db);
    if (options.durability === 'fsync') {
      this.walFd = openSync(`${options.path}-wal`, 'r');
      syncDirectory(dirname(options.path)); // the WAL file's entry, new on a first start
    }
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    this.db.pragma(`max_page_count = ${Math.max(16, Math.floor(options.maxBytes / pageSize))}`);
    const prepare = (sql: string) => this.db.prepare(sql);
    this.statements = {
      putRetained: prepare(`INSERT OR REPLACE INTO retained (${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteRetained: prepare('DELETE FROM retained WHERE topic = ?'),
      putSession: prepare('INSERT OR REPLACE INTO sessions (client_id, record) VALUES (?, ?)'),
      deleteSession: prepare('DELETE FROM sessions WHERE client_id = ?'),
      putMessage: prepare(`INSERT INTO messages (id, ${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteMessage: prepare('DELETE FROM messages WHERE id = ?'),
      addWhole: prepare(`INSERT INTO deliveries (seq, client_id, ${MESSAGE_COLUMNS}, ${DELIVERY_TAIL}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      addShared: prepare(`INSERT INTO deliveries (seq, client_id, message_id, ${DELIVERY_TAIL}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      setState: prepare('UPDATE deliveries SET packet_id = ?, pubrel = ? WHERE seq = ?'),
      deleteDelivery: prepare('DELETE FROM deliveries WHERE seq = ?'),
      committedAt: prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('committed_at', ?)"),
    };
    const max = (sql: string) => (this.db.prepare(sql).pluck().get() as number | null) ?? 0;
    this.seq = max('SELECT max(seq) FROM deliveries');
    this.messageId = max('SELECT max(id) FROM messages');
    this.commitBatch = this.db.transaction(() => this.writeBatch());
  }

  /** Once, before any write: what is stored, less what expired or belongs to no session. */
  load(now: number): StoredState {
    const db = this.db;
    db.prepare('DELETE FROM retained WHERE expires_at <= ?').run(now);
    db.prepare('DELETE FROM messages WHERE expires_at <= ?').run(now);
    db.prepare(
      `DELETE FROM deliveries WHERE expires_at <= ? OR client_id NOT IN (SELECT client_id FROM sessions)
         OR (message_id IS NOT NULL AND message_id NOT IN (SELECT id FROM messages))`,
    ).run(now);
    db.exec('DELETE FROM messages WHERE id NOT IN (SELECT message_id FROM deliveries WHERE message_id IS NOT NULL)');
    const retained = (db.prepare('SELECT * FROM retained').all() as MessageRow[]).map(rowToMessage);
    const sessions = (db.prepare('SELECT record FROM sessions').pluck().all() as string[]).map(sessionFromJson);
    const byId = new Map<number, Message>();
    for (const row of db.prepare('SELECT * FROM messages').all() as Array<MessageRow & { id: number }>) byId.set(row.id, rowToMessage(row));
    this.shared.clear();
    const deliveries = (db.prepare('SELECT * FROM deliveries ORDER BY seq').all() as DeliveryRow[]).map((row) => this.rowToDelivery(row, byId));
    const committed = db.prepare("SELECT value FROM meta WHERE key = 'committed_at'").pluck().get() as number | undefined;
    return { sessions, deliveries, retained, lastCommitAt: committed ?? null };
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
    this.deletedSessions.add(clientId);
    this.schedule();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  addDelivery(record: DeliveryRecord): void {
    if (this.closed) return;
    this.added.set(record.seq, record);
    this.copies.set(record.message, (this.copies.get(record.message) ?? 0) + 1);
    this.schedule();
  }

  setDeliveryState(seq: number, packetId: number, state: 'publish' | 'pubrel'): void {
    const record = this.added.get(seq);
    if (record !== undefined) {
      record.packetId = packetId;
      record.state = state;
      return;
    }
    this.states.set(seq, [packetId, state === 'pubrel' ? 1 : 0]);
    this.schedule();
  }

  deleteDelivery(seq: number, message: Message): void {
    if (this.added.delete(seq)) {
      const copies = this.copies.get(message)! - 1;
      if (copies === 0) this.copies.delete(message);
      else this.copies.set(message, copies);
      return;
    }
    this.states.delete(seq);
    this.deletedDeliveries.push(seq);
    const shared = this.shared.get(message);
    if (shared?.seqs.delete(seq) && shared.seqs.size === 0) {
      this.shared.delete(message);
      this.deletedMessages.push(shared.id);
    }
    this.schedule();
  }

  afterCommit(then: Release): void {
    if (this.scheduled !== null) this.waiting.push(then);
    else if (this.flushing !== null || this.unflushed.length > 0) this.unflushed.push({ waiting: [then], stored: !this.closed });
    else then(!this.closed);
  }

  /** Commits what waits; later writes (a will sent while the broker stops) are not kept. */
  close(): void {
    if (this.closed) return;
    if (this.scheduled !== null) {
      clearImmediate(this.scheduled);
      this.commit();
    }
    this.closed = true;
    this.db.close(); // checkpoints, syncing the WAL and the database file
    const committed = [...(this.flushing ?? []), ...this.unflushed];
    this.unflushed = [];
    for (const { waiting, stored } of committed) this.release(waiting, stored);
    if (this.walFd !== null && this.flushing === null) closeSync(this.walFd);
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
      // Shared rows are known only once they are stored, so a failed commit leaves no reference to a missing row.
      for (const [shared, message, seq] of this.commitBatch()) {
        shared.seqs.add(seq);
        if (message !== null) this.shared.set(message, shared);
      }
    } catch (err) {
      stored = false;
      this.options.onError(err);
    } finally {
      this.clearBatch();
    }
    if (this.walFd === null) return this.release(waiting, stored);
    this.unflushed.push({ waiting, stored }); // even with none waiting: a later acknowledgement may rest on it
    this.flush();
  }

  /** Flushes the WAL file once for every commit made since the last flush began. */
  private flush(): void {
    if (this.flushing !== null || this.unflushed.length === 0) return;
    const batches = (this.flushing = this.unflushed);
    this.unflushed = [];
    fdatasync(this.walFd!, (err) => {
      this.flushing = null;
      if (this.closed) return closeSync(this.walFd!); // close() released them: the database file is synced
      if (err) this.options.onError(err);
      for (const { waiting, stored } of batches) this.release(waiting, stored && !err);
      this.flush();
    });
  }

  private release(waiting: Release[], stored: boolean): void {
    for (const then of waiting) {
      try {
        then(stored);
      } catch (err) {
        this.options.onError(err);
      }
    }
  }

  private clearBatch(): void {
    this.added.clear();
    this.copies.clear();
    this.states.clear();
    this.deletedDeliveries = [];
    this.deletedMessages = [];
    this.deletedSessions.clear();
    this.sessions.clear();
    this.retained.clear();
  }

  /** Deletes before inserts: a seq or message id is never used twice, and a session deleted then saved is saved. */
  private writeBatch(): Array<[SharedMessage, Message | null, number]> {
    const s = this.statements;
    for (const clientId of this.deletedSessions) s.deleteSession.run(clientId);
    for (const seq of this.deletedDeliveries) s.deleteDelivery.run(seq);
    for (const id of this.deletedMessages) s.deleteMessage.run(id);
    const joined: Array<[SharedMessage, Message | null, number]> = [];
    const created = new Map<Message, SharedMessage>();
    for (const record of this.added.values()) {
      const { seq, message } = record;
      let shared = this.shared.get(message) ?? created.get(message);
      if (shared === undefined && this.copies.get(message)! > 1) {
        shared = { id: ++this.messageId, seqs: new Set() };
        s.putMessage.run(shared.id, ...messageParams(message));
        created.set(message, shared);
        joined.push([shared, message, seq]);
      } else if (shared !== undefined) joined.push([shared, null, seq]);
      const tail = [record.qos, record.retain ? 1 : 0, record.subIds === undefined ? null : JSON.stringify(record.subIds), record.packetId, record.state === 'pubrel' ? 1 : 0];
      if (shared === undefined) s.addWhole.run(seq, record.clientId, ...messageParams(message), ...tail);
      else s.addShared.run(seq, record.clientId, shared.id, ...tail);
    }
    for (const [seq, [packetId, pubrel]] of this.states) s.setState.run(packetId, pubrel, seq);
    for (const [topic, message] of this.retained) {
      if (message === null) s.deleteRetained.run(topic);
      else s.putRetained.run(...messageParams(message));
    }
    for (const [clientId, snapshot] of this.sessions) s.putSession.run(clientId, sessionToJson(snapshot()));
    s.committedAt.run(Date.now());
    return joined;
  }

  private rowToDelivery(row: DeliveryRow, byId: Map<number, Message>): DeliveryRecord {
    let message: Message;
    if (row.message_id === null) message = rowToMessage(row);
    else {
      message = byId.get(row.message_id)!;
      let shared = this.shared.get(message);
      if (shared === undefined) this.shared.set(message, (shared = { id: row.message_id, seqs: new Set() }));
      shared.seqs.add(row.seq);
    }
    return {
      seq: row.seq,
      clientId: row.client_id,
      message,
      qos: row.out_qos as 1 | 2,
      retain: row.out_retain === 1,
      subIds: row.sub_ids === null ? undefined : (JSON.parse(row.sub_ids) as number[]),
      packetId: row.packet_id,
      state: row.pubrel === 1 ? 'pubrel' : 'publish',
    };
  }
}

function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
