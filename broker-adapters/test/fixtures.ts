/**
 * The devices and rules the captured requests talk about, provisioned through the real store, and
 * the passwords the captured clients really sent (`CAPTURE_PASSWORDS`). Those (`pw`, `p1`, `secret`,
 * ...) are shorter than the 8 characters the admin API and the store demand of a NEW password, a
 * policy the replays must not weaken; so the fixture writes them below that policy, straight into
 * the store's SQLite file with the production hash (`hashPassword`). The replays can then show the
 * allow of every real captured login, byte for byte. Every device also holds `LONG_PASSWORD`, set
 * through the store's normal path, for tests that build their own requests.
 *
 * @module broker-adapters/test/fixtures
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { AclAction, Permission } from '../../schemas/index.js';
import { hashPassword } from '../../verifier/core/index.js';
import type { Admin } from '../../verifier/admin/index.js';
import type { SqliteStore, Store } from '../../verifier/store/index.js';
import { CredentialCreate, DeviceCreate, RuleCreate } from '../../schemas/admin.js';

export const LONG_PASSWORD = 'p@ss w&rd=1 long';

type RuleSpec = [permission: Permission, action: AclAction, topic: string, eq?: boolean];

interface DeviceSpec {
  superuser?: boolean;
  /** Client id must equal the device id. Off for the rest: the captures' client ids are not device ids. */
  bindClientId?: boolean;
  rules?: RuleSpec[];
}

const DEVICES: Record<string, DeviceSpec> = {
  bob: { rules: [['allow', 'subscribe', 'a/+/c'], ['allow', 'subscribe', 'd/#'], ['allow', 'all', 'dev/#']] },
  alice: { rules: [['allow', 'subscribe', 'dev/+/temp'], ['allow', 'subscribe', 'dev/9'], ['allow', 'subscribe', 'dev/will']] },
  carol: { rules: [['allow', 'subscribe', 'dev/+/temp']] },
  u1: { rules: [['deny', 'all', 'deny/#'], ['allow', 'all', 'allow/#']] },
  u: { rules: [['allow', 'publish', 'r/1'], ['allow', 'all', 'x/y'], ['allow', 'subscribe', '$share/grp/s/1', true]] },
  root: { superuser: true },
  admin: { superuser: true },
  // go-auth's slow-backend scenario connects with client id `slow` as user `slow`: the one capture login a binding admits.
  slow: { bindClientId: true },
  'dev-001': { rules: [['allow', 'publish', 'sensors/${device}/#']] },
  'dev-042': {},
  'dev-043': { rules: [['allow', 'publish', 't/1']] },
};

/**
 * Each device's passwords exactly as the captured clients sent them (`-P`), from the logins the
 * capture servers accepted. Other captured logins stay unregistered on purpose: `err`/`x` (its
 * server answered 500), and `bob smith`, `ålice`, `ü<&>"x`, which no device id can spell.
 */
export const CAPTURE_PASSWORDS: Readonly<Record<string, readonly string[]>> = {
  // mosquitto-go-auth runs; alice's second one is nanomq.md's verbatim CONNECT.
  alice: ['secret', 'p@ss w&rd=1'],
  bob: ['pw'],
  carol: ['pw'],
  admin: ['pw'],
  slow: ['pw'],
  // NanoMQ dumps (bob/pw as well).
  u1: ['p1'],
  u: ['p'],
  root: ['pw'],
};

/** Subjects as the registry stores them (RFC 4514); NanoMQ sends the same in mbedtls order. */
const CERTIFICATES: Record<string, string> = {
  'dev-042': 'CN=dev-042,OU=fleet,O=Acme Devices,C=DE',
  'dev-043': 'O=CN-not-last,CN=dev-043',
};

/** Is this the password a captured client of this device sent (and so one registered here)? */
export function isCapturePassword(username: string | undefined, password: string | undefined): boolean {
  return username !== undefined && Object.hasOwn(CAPTURE_PASSWORDS, username) && CAPTURE_PASSWORDS[username]!.includes(password ?? '');
}

/**
 * What the registry provisioned here answers to a password CONNECT: allow only the registered
 * username/password pair, and only from the bound client id where the device binds it.
 */
export function acceptsPasswordLogin(clientId: string, username: string | undefined, password: string | undefined): boolean {
  if (username === undefined || password === undefined || !Object.hasOwn(DEVICES, username)) return false;
  const registered = password === LONG_PASSWORD || isCapturePassword(username, password);
  return registered && (!DEVICES[username]!.bindClientId || clientId === username);
}

export async function provisionCaptureDevices(admin: Admin, store: Store): Promise<void> {
  for (const [id, spec] of Object.entries(DEVICES)) {
    await admin.createDevice(DeviceCreate.parse({ id, superuser: spec.superuser ?? false, requireClientIdMatch: spec.bindClientId ?? false }));
    await admin.addCredential(id, CredentialCreate.parse({ kind: 'password', secret: LONG_PASSWORD }));
    for (const [permission, action, topic, eq = false] of spec.rules ?? []) {
      await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id }, permission, action, topic, eq }));
    }
  }
  // The captured hashes go straight into the file: these tests run the verifier on SQLite.
  await insertCapturePasswords((store as SqliteStore).path);
  for (const [id, subject] of Object.entries(CERTIFICATES)) {
    const notAfter = Date.now() + 86_400_000;
    await admin.registerCertificate(id, { fingerprint: randomBytes(32).toString('hex'), subject, notAfter });
  }
  // The documented opt-in for NanoMQ's online/offline events: each device may announce itself only.
  await admin.createRule(RuleCreate.parse({ subject: { kind: 'all' }, permission: 'allow', action: 'publish', topic: '$SYS/brokers/client_status/${clientid}' }));
}

/**
 * Below the admin policy: one INSERT per capture password into the store's own database file, on a
 * second connection, before the verifier has answered anything (so no decision cache holds the
 * device yet). The rows are what `addCredential` writes, minus its length check.
 */
async function insertCapturePasswords(databaseFile: string): Promise<void> {
  const rows: Array<{ deviceId: string; hash: string }> = [];
  for (const [deviceId, passwords] of Object.entries(CAPTURE_PASSWORDS)) {
    for (const password of passwords) rows.push({ deviceId, hash: await hashPassword(password) });
  }
  const db = new Database(databaseFile);
  try {
    const insert = db.prepare(`INSERT INTO credentials (id, device_id, kind, password_hash, created_at)
      VALUES (?, ?, 'password', ?, ?)`);
    db.transaction(() => {
      for (const { deviceId, hash } of rows) insert.run(randomUUID(), deviceId, hash, Date.now());
    })();
  } finally {
    db.close();
  }
}

/** Replays send hundreds of failing CONNECTs: keep the brute-force brakes out of their way. */
export const REPLAY_ENV = { ARRA_LOCKOUT_SLOW_AFTER: '100000', ARRA_LOCKOUT_LOCK_AFTER: '100000' };
