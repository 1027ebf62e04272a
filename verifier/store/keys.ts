/**
 * Token signing keys on SQLite, as JWKs. Retiring a key is announced as `{kind:'all'}`: sessions
 * authenticated with its tokens must be re-checked.
 *
 * @module verifier/store/keys
 */
import type { JWK } from 'jose';
import type { SigningAlg, SigningKeyInfo } from '../../schemas/admin.js';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from '../core/index.js';
import type { NewSigningKey, SigningKeyRepository, StoredSigningKey } from './repositories.js';
import { iso, isoOrNull } from './rows.js';

export interface KeyRow {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyInfo['status'];
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export function createSigningKeyRepository({ db, writer, now }: StoreContext): SigningKeyRepository {
  const live = db.prepare(`SELECT * FROM signing_keys WHERE status != 'retired' ORDER BY created_at, kid`);
  const all = db.prepare('SELECT * FROM signing_keys ORDER BY created_at, kid');
  const select = db.prepare('SELECT * FROM signing_keys WHERE kid = ?');
  const hasActive = db.prepare(`SELECT 1 FROM signing_keys WHERE status = 'active'`).pluck();
  const demoteActive = db.prepare(`UPDATE signing_keys SET status = 'verifying' WHERE status = 'active'`);
  const insert = db.prepare(`INSERT INTO signing_keys (kid, alg, status, private_jwk, public_jwk, created_at)
    VALUES (@kid, @alg, 'active', @privateJwk, @publicJwk, @now)`);
  const retire = db.prepare(`UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE kid = ?`);

  function insertActive(key: NewSigningKey): void {
    insert.run({ kid: key.kid, alg: key.alg, privateJwk: JSON.stringify(key.privateJwk), publicJwk: JSON.stringify(key.publicJwk), now: now() });
  }

  function info(kid: string): SigningKeyInfo {
    const row = select.get(kid) as KeyRow | undefined;
    if (!row) throw new NotFoundError(`key ${kid} not found`);
    return toInfo(row);
  }

  return {
    async list() {
      return (all.all() as KeyRow[]).map(toInfo);
    },
    async live() {
      return (live.all() as KeyRow[]).map(toStored);
    },
    async get(kid) {
      return info(kid);
    },
    async addFirst(key) {
      return writer.write(() => {
        if (hasActive.get()) return false;
        insertActive(key);
        return true;
      });
    },
    async rotate(key) {
      writer.write(() => {
        demoteActive.run();
        insertActive(key);
      });
    },
    async retire(kid) {
      return writer.write((tx) => {
        const current = info(kid);
        if (current.status === 'active') throw new ConflictError(`key ${kid} is active; rotate before retiring it`);
        if (current.status === 'verifying') {
          retire.run(now(), kid);
          tx.changed({ kind: 'all' });
        }
        return info(kid);
      });
    },
  };
}

export function toInfo(row: KeyRow): SigningKeyInfo {
  return { kid: row.kid, alg: row.alg, status: row.status, createdAt: iso(row.created_at), retiredAt: isoOrNull(row.retired_at) };
}

export function toStored(row: KeyRow): StoredSigningKey {
  return { kid: row.kid, alg: row.alg, status: row.status, privateJwk: JSON.parse(row.private_jwk) as JWK, publicJwk: JSON.parse(row.public_jwk) as JWK };
}
