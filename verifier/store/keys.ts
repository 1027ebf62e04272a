/**
 * The verifier's token signing keys (`KeyRing`): kept in the database as JWKs, imported as CryptoKeys
 * once and cached, because `verificationKey` runs on every token check and must be synchronous.
 * Rotation makes a new key active while the old ones keep verifying; retiring a key stops it verifying
 * (announced as `{kind:'all'}`: sessions authenticated with its tokens must be re-checked).
 *
 * Another process (the CLI) rotating keys is seen here after `reloadKeys()` or a restart.
 *
 * @module verifier/store/keys
 */
import { importJWK, type JWK } from 'jose';
import { KeyParams, KeyRotate, type SigningAlg, type SigningKeyInfo } from '../../schemas/admin.js';
import type { KeyRing } from '../core/index.js';
import { generateSigningKey, type GeneratedSigningKey } from '../core/index.js';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from './errors.js';
import { isoOrNull, iso } from './rows.js';
import { parseInput } from './validate.js';

export interface KeyOps extends KeyRing {
  /** The JWKS document (`/.well-known/jwks.json`): public halves of every key that still verifies. */
  publicJwks(): { keys: JWK[] };
  listKeys(): SigningKeyInfo[];
  rotateKey(input?: KeyRotate): Promise<SigningKeyInfo>;
  retireKey(kid: string): SigningKeyInfo;
  /** Re-reads the keys from the database (after another process rotated or retired one). */
  reloadKeys(): Promise<void>;
}

interface KeyRow {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyInfo['status'];
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

interface KeyCache {
  verifying: Map<string, { alg: string; key: CryptoKey }>;
  active: { kid: string; alg: string; key: CryptoKey } | undefined;
  jwks: JWK[];
}

const DEFAULT_ALG: SigningAlg = 'EdDSA';

export async function createKeyOps({ db, writer, now, logger }: StoreContext): Promise<KeyOps> {
  const live = db.prepare(`SELECT * FROM signing_keys WHERE status != 'retired' ORDER BY created_at, kid`);
  const all = db.prepare('SELECT * FROM signing_keys ORDER BY created_at, kid');
  const select = db.prepare('SELECT * FROM signing_keys WHERE kid = ?');
  const hasActive = db.prepare(`SELECT 1 FROM signing_keys WHERE status = 'active'`).pluck();
  const demoteActive = db.prepare(`UPDATE signing_keys SET status = 'verifying' WHERE status = 'active'`);
  const insert = db.prepare(`INSERT INTO signing_keys (kid, alg, status, private_jwk, public_jwk, created_at)
    VALUES (@kid, @alg, 'active', @privateJwk, @publicJwk, @now)`);
  const retire = db.prepare(`UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE kid = ?`);

  let cache: KeyCache = { verifying: new Map(), active: undefined, jwks: [] };

  function insertActive(key: GeneratedSigningKey): void {
    insert.run({ kid: key.kid, alg: key.alg, privateJwk: JSON.stringify(key.privateJwk), publicJwk: JSON.stringify(key.publicJwk), now: now() });
  }

  async function reloadKeys(): Promise<void> {
    const next: KeyCache = { verifying: new Map(), active: undefined, jwks: [] };
    for (const row of live.all() as KeyRow[]) {
      const publicJwk = JSON.parse(row.public_jwk) as JWK;
      next.verifying.set(row.kid, { alg: row.alg, key: (await importJWK(publicJwk, row.alg)) as CryptoKey });
      next.jwks.push(publicJwk);
      if (row.status === 'active') {
        const key = (await importJWK(JSON.parse(row.private_jwk) as JWK, row.alg)) as CryptoKey;
        next.active = { kid: row.kid, alg: row.alg, key };
      }
    }
    cache = next; // swapped whole: a reader never sees a half-loaded ring
  }

  function info(kid: string): SigningKeyInfo {
    const row = select.get(kid) as KeyRow | undefined;
    if (!row) throw new NotFoundError(`key ${kid} not found`);
    return toInfo(row);
  }

  // First start: generate the first key. Generation is async, so it happens outside the transaction,
  // and a concurrent first start (service and CLI together) that already inserted one wins.
  if (!hasActive.get()) {
    const first = await generateSigningKey(DEFAULT_ALG);
    writer.write(() => {
      if (hasActive.get()) return;
      insertActive(first);
      logger?.info({ kid: first.kid, alg: first.alg }, 'first start: token signing key generated');
    });
  }
  await reloadKeys();

  return {
    verificationKey(kid) {
      return cache.verifying.get(kid);
    },
    activeSigningKey() {
      if (!cache.active) throw new Error('no active signing key');
      return cache.active;
    },
    publicJwks() {
      return { keys: cache.jwks };
    },
    listKeys() {
      return (all.all() as KeyRow[]).map(toInfo);
    },
    async rotateKey(input = {}) {
      const { alg } = parseInput(KeyRotate, input);
      const key = await generateSigningKey(alg);
      writer.write(() => {
        demoteActive.run();
        insertActive(key);
      });
      await reloadKeys();
      logger?.info({ kid: key.kid, alg: key.alg }, 'signing key rotated');
      return info(key.kid);
    },
    retireKey(kid) {
      const params = parseInput(KeyParams, { kid });
      const row = writer.write((tx) => {
        const current = info(params.kid);
        if (current.status === 'active') throw new ConflictError(`key ${params.kid} is active; rotate before retiring it`);
        if (current.status === 'verifying') {
          retire.run(now(), params.kid);
          // Drop it from the cache before the change is announced, so a re-check prompted by the
          // announcement already fails. Should COMMIT itself fail, the key only stops verifying early.
          cache.verifying.delete(params.kid);
          cache.jwks = cache.jwks.filter((jwk) => jwk.kid !== params.kid);
          tx.changed({ kind: 'all' });
          logger?.info({ kid: params.kid }, 'signing key retired');
        }
        return info(params.kid);
      });
      return row;
    },
    reloadKeys,
  };
}

function toInfo(row: KeyRow): SigningKeyInfo {
  return { kid: row.kid, alg: row.alg, status: row.status, createdAt: iso(row.created_at), retiredAt: isoOrNull(row.retired_at) };
}
