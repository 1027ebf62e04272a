/**
 * Tokens the verifier issued, by `jti` (the token text is never stored): `authenticate` accepts only
 * recorded, unrevoked tokens, which is what makes a bearer token revocable.
 *
 * @module verifier/store/tokens
 */
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from '../core/index.js';
import type { TokenRepository } from './repositories.js';
import { toTokenView, type TokenRow } from './rows.js';

export function createTokenRepository({ db, writer, now, lookups }: StoreContext): TokenRepository {
  const { requireDevice } = lookups;
  const select = db.prepare('SELECT * FROM tokens WHERE jti = ?');
  const byDevice = db.prepare('SELECT * FROM tokens WHERE device_id = ? ORDER BY created_at, jti');
  const insert = db.prepare('INSERT INTO tokens (jti, device_id, expires_at, created_at) VALUES (?, ?, ?, ?)');
  const revoke = db.prepare('UPDATE tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL');

  return {
    async record(deviceId, { jti, expiresAt }) {
      return writer.write((tx) => {
        requireDevice(deviceId);
        if (select.get(jti)) throw new ConflictError(`token ${jti} is already recorded`);
        insert.run(jti, deviceId, expiresAt === null ? null : expiresAt * 1000, now());
        tx.changed({ kind: 'device', deviceId });
        return toTokenView(select.get(jti) as TokenRow);
      });
    },

    async list(deviceId) {
      requireDevice(deviceId);
      return (byDevice.all(deviceId) as TokenRow[]).map(toTokenView);
    },

    async revoke(jti) {
      return writer.write((tx) => {
        const row = select.get(jti) as TokenRow | undefined;
        if (!row) throw new NotFoundError(`token ${jti} not found`);
        if (revoke.run(now(), row.jti).changes > 0) tx.changed({ kind: 'device', deviceId: row.device_id });
        return toTokenView(select.get(row.jti) as TokenRow);
      });
    },
  };
}
