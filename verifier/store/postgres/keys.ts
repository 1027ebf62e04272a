/**
 * Signing keys and the device CA on PostgreSQL, their private halves sealed (`sealed-keys.ts`) under
 * the row's name, so every replica holding the key-encryption key signs with the same keys.
 *
 * @module verifier/store/postgres/keys
 */
import type pg from 'pg';
import type { DeviceCaPems } from '../../ca/index.js';
import { ConflictError, NotFoundError } from '../../core/index.js';
import { toInfo, toStored, type KeyRow } from '../keys.js';
import type { DeviceCaRepository, NewSigningKey, SigningKeyRepository } from '../repositories.js';
import { KEYS_CHANNEL } from './change-bus.js';
import type { PgContext, PgTransaction } from './context.js';
import { registryError } from './pool.js';

const keyContext = (kid: string) => `signing_keys:${kid}`;
const DEVICE_CA_CONTEXT = 'device_ca';

/** A read outside a write: an unreachable database is a 503 (retry), as in writes, never a 500. */
async function read<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: unknown[] = []): Promise<R[]> {
  try {
    return (await pool.query<R>(text, values)).rows;
  } catch (err) {
    throw registryError(err);
  }
}

export function createPgSigningKeyRepository({ pool, write, now, kek }: PgContext, onChange: SigningKeyRepository['onChange']): SigningKeyRepository {
  async function rows(where = ''): Promise<KeyRow[]> {
    return read<KeyRow>(pool, `SELECT * FROM signing_keys ${where} ORDER BY created_at, kid`);
  }

  async function insertActive(tx: PgTransaction, key: NewSigningKey): Promise<void> {
    await tx.run(`INSERT INTO signing_keys (kid, alg, status, private_jwk, public_jwk, created_at)
      VALUES (@kid, @alg, 'active', @privateJwk, @publicJwk, @now)`, {
      kid: key.kid,
      alg: key.alg,
      privateJwk: kek.seal(JSON.stringify(key.privateJwk), keyContext(key.kid)),
      publicJwk: JSON.stringify(key.publicJwk),
      now: now(),
    });
    await tx.run(`SELECT pg_notify(@channel, '')`, { channel: KEYS_CHANNEL });
  }

  async function info(tx: PgTransaction, kid: string) {
    const [row] = await tx.rows<KeyRow>('SELECT * FROM signing_keys WHERE kid = @kid', { kid });
    if (!row) throw new NotFoundError(`key ${kid} not found`);
    return toInfo(row);
  }

  return {
    onChange,
    list: async () => (await rows()).map(toInfo),
    async live() {
      const live = await rows(`WHERE status != 'retired'`);
      return live.map((row) => toStored({ ...row, private_jwk: kek.open(row.private_jwk, keyContext(row.kid)) }));
    },
    async get(kid) {
      const [row] = await read<KeyRow>(pool, 'SELECT * FROM signing_keys WHERE kid = $1', [kid]);
      if (!row) throw new NotFoundError(`key ${kid} not found`);
      return toInfo(row);
    },
    async addFirst(key) {
      return write(async (tx) => {
        if ((await tx.rows(`SELECT 1 FROM signing_keys WHERE status = 'active'`)).length > 0) return false;
        await insertActive(tx, key);
        return true;
      });
    },
    async rotate(key) {
      await write(async (tx) => {
        await tx.run(`UPDATE signing_keys SET status = 'verifying' WHERE status = 'active'`);
        await insertActive(tx, key);
      });
    },
    async retire(kid) {
      return write(async (tx) => {
        const current = await info(tx, kid);
        if (current.status === 'active') throw new ConflictError(`key ${kid} is active; rotate before retiring it`);
        if (current.status === 'verifying') {
          await tx.run(`UPDATE signing_keys SET status = 'retired', retired_at = @now WHERE kid = @kid`, { now: now(), kid });
          await tx.run(`SELECT pg_notify(@channel, '')`, { channel: KEYS_CHANNEL });
          tx.changed({ kind: 'all' });
        }
        return info(tx, kid);
      });
    },
  };
}

export function createPgDeviceCaRepository({ pool, write, now, kek }: PgContext): DeviceCaRepository {
  return {
    async read() {
      const [row] = await read<DeviceCaPems>(pool, 'SELECT cert_pem AS "certPem", key_pem AS "keyPem" FROM device_ca WHERE id = 1');
      return row && { certPem: row.certPem, keyPem: kek.open(row.keyPem, DEVICE_CA_CONTEXT) };
    },
    async addFirst(pems) {
      return write(async (tx) => {
        const stored = await tx.run(`INSERT INTO device_ca (id, cert_pem, key_pem, created_at) VALUES (1, @certPem, @keyPem, @now)
          ON CONFLICT (id) DO NOTHING`, { certPem: pems.certPem, keyPem: kek.seal(pems.keyPem, DEVICE_CA_CONTEXT), now: now() });
        return stored > 0;
      });
    },
  };
}
