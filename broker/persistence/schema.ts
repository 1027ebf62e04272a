// A delivery carries its message (`message_id` NULL) or refers to a `messages` row that several sessions'
// deliveries share.
import type { Database } from 'better-sqlite3';

export const SCHEMA_VERSION = 3;

const DELIVERIES = `CREATE TABLE deliveries (
  seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL, message_id INTEGER,
  topic TEXT, payload BLOB, qos INTEGER, retain INTEGER, props TEXT, expires_at INTEGER, origin TEXT, owner TEXT,
  out_qos INTEGER NOT NULL, out_retain INTEGER NOT NULL, sub_ids TEXT, packet_id INTEGER, pubrel INTEGER NOT NULL)`;

const TABLES = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS retained (
    topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
    props TEXT, expires_at INTEGER, origin TEXT, owner TEXT);
  CREATE TABLE IF NOT EXISTS sessions (client_id TEXT PRIMARY KEY, record TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
    props TEXT, expires_at INTEGER, origin TEXT, owner TEXT);
`;

/** Version 1 kept every delivery whole and indexed them by client id (costly on every write). */
const FROM_V1 = `
  ALTER TABLE deliveries RENAME TO deliveries_v1;
  ${DELIVERIES};
  INSERT INTO deliveries (seq, client_id, topic, payload, qos, retain, props, expires_at, origin, out_qos, out_retain, sub_ids, packet_id, pubrel)
    SELECT seq, client_id, topic, payload, qos, retain, props, expires_at, origin, out_qos, out_retain, sub_ids, packet_id, pubrel FROM deliveries_v1;
  DROP TABLE deliveries_v1;
`;

/** Versions 1 and 2 counted retained bytes against the publisher's client id; `owner` is its identity. */
function addOwnerColumns(db: Database): void {
  for (const table of ['deliveries', 'retained', 'messages']) {
    const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
    if (columns.length > 0 && !columns.some((column) => column.name === 'owner')) db.exec(`ALTER TABLE ${table} ADD COLUMN owner TEXT`);
  }
}

/** Creates the tables, or brings an older file up to date; refuses a file from a newer broker. */
export function prepareSchema(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`broker store schema ${version} is newer than this broker's (${SCHEMA_VERSION})`);
  db.transaction(() => {
    if (version > 0) addOwnerColumns(db);
    db.exec(TABLES);
    if (version === 1) db.exec(FROM_V1);
    else if (version === 0) db.exec(DELIVERIES);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
