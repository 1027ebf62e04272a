import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { ConflictError } from '../../../core/index.js';
import { migrate } from '../../migrations.js';
import { copySqliteToPostgres } from '../copy-from-sqlite.js';
import { KeyEncryptionKey } from '../sealed-keys.js';
import { testDatabase } from './cluster.js';

const kek = KeyEncryptionKey.fromSecret('key-encryption-secret-for-the-copy-test');
const keyPair = generateKeyPairSync('ed25519');
const PRIVATE_JWK = JSON.stringify(keyPair.privateKey.export({ format: 'jwk' }));
const CA_KEY = keyPair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** A SQLite registry made by the SQLite migrations, one row or more in every table. */
function sqliteRegistry(t: TestContext, devices = 3): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'registry.sqlite');
  const db = new Database(path);
  migrate(db);
  const insertDevice = db.prepare("INSERT INTO devices (id, superuser, enabled, disabled_reason, created_at, updated_at, incarnation) VALUES (?, ?, ?, ?, 1, 2, 'inc')");
  for (let i = 0; i < devices; i += 1) insertDevice.run(`dev-${i}`, i === 0 ? 1 : 0, i === 1 ? 0 : 1, i === 1 ? 'stolen' : null);
  db.exec(`
    INSERT INTO groups (name, description, created_at) VALUES ('sensors', 'all sensors', 1);
    INSERT INTO device_groups (device_id, group_name) VALUES ('dev-2', 'sensors');
    INSERT INTO credentials (id, device_id, kind, password_hash, created_at) VALUES ('c1', 'dev-0', 'password', 'scrypt$hash', 1);
    INSERT INTO credentials (id, device_id, kind, fingerprint, subject, not_after, created_at) VALUES ('c2', 'dev-2', 'x509', 'ab:cd', 'CN=dev-2', 99, 1);
    INSERT INTO tokens (jti, device_id, expires_at, created_at) VALUES ('j1', 'dev-0', 5, 1);
    INSERT INTO acl_rules (subject_kind, group_name, action, topic, eq, retain, permission, created_at) VALUES ('group', 'sensors', 'publish', 'sensors/+', 1, 0, 'allow', 1);
    INSERT INTO acl_rules (subject_kind, action, topic, permission, created_at) VALUES ('all', 'subscribe', '#', 'deny', 1);
  `);
  db.prepare("INSERT INTO signing_keys (kid, alg, status, private_jwk, public_jwk, created_at) VALUES ('k1', 'EdDSA', 'active', ?, '{}', 1)").run(PRIVATE_JWK);
  db.prepare("INSERT INTO device_ca (id, cert_pem, key_pem, created_at) VALUES (1, 'CERT', ?, 1)").run(CA_KEY);
  db.close();
  return path;
}

async function count(pool: pg.Pool, table: string): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}

test('a SQLite registry is copied whole: every row, flags as booleans, private keys sealed, and a gap in the change log announced', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pool = db.pool();
  const counts = await copySqliteToPostgres(sqliteRegistry(t), pool, kek);
  assert.deepEqual(counts, { devices: 3, groups: 1, device_groups: 1, credentials: 2, tokens: 1, acl_rules: 2, signing_keys: 1, device_ca: 1 });
  for (const [table, n] of Object.entries(counts)) assert.equal(await count(pool, table), n, table);

  const devices = (await pool.query('SELECT id, superuser, enabled, disabled_reason FROM devices ORDER BY id')).rows;
  assert.deepEqual(devices.map((d) => [d.id, d.superuser, d.enabled, d.disabled_reason]), [
    ['dev-0', true, true, null], ['dev-1', false, false, 'stolen'], ['dev-2', false, true, null],
  ]);
  const key = (await pool.query('SELECT private_jwk FROM signing_keys')).rows[0].private_jwk as string;
  assert.ok(!key.includes(JSON.parse(PRIVATE_JWK).d), 'no plaintext private key in the database');
  assert.equal(kek.open(key, 'signing_keys:k1'), PRIVATE_JWK);
  assert.equal(kek.open((await pool.query('SELECT key_pem FROM device_ca')).rows[0].key_pem, 'device_ca'), CA_KEY);
  const next = await pool.query("INSERT INTO acl_rules (subject_kind, action, topic, permission, created_at) VALUES ('all', 'all', 'x', 'allow', 1) RETURNING id");
  assert.equal(Number(next.rows[0].id), 3, 'new rules number on after the copied ones');
  const log = await pool.query<{ seq: string; device_id: null }>('SELECT seq, device_id FROM change_log');
  assert.deepEqual(log.rows.map((r) => r.device_id), [null]);
  const horizon = await pool.query<{ pruned_through: string }>('SELECT pruned_through FROM change_log_horizon');
  assert.equal(horizon.rows[0]!.pruned_through, log.rows[0]!.seq, 'a gap: replicas running on this database reload whole');
});

test('all or nothing: a row PostgreSQL refuses leaves the target empty, and a target holding a registry is refused', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pool = db.pool();
  const broken = sqliteRegistry(t, 1200);
  const sqlite = new Database(broken);
  sqlite.pragma('foreign_keys = OFF');
  sqlite.exec("INSERT INTO tokens (jti, device_id, created_at) VALUES ('orphan', 'no-such-device', 1)");
  sqlite.close();
  await assert.rejects(copySqliteToPostgres(broken, pool, kek), /foreign key/);
  for (const table of ['devices', 'credentials', 'signing_keys', 'change_log']) assert.equal(await count(pool, table), 0, `${table} is empty after the failed copy`);

  await copySqliteToPostgres(sqliteRegistry(t), pool, kek);
  await assert.rejects(copySqliteToPostgres(sqliteRegistry(t), pool, kek), (err) => err instanceof ConflictError && /already holds a registry/.test(err.message));
  assert.equal(await count(pool, 'devices'), 3);
});
