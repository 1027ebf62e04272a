/**
 * Tokens the verifier issued. The HTTP layer (or CLI) signs with the core's `issueDeviceToken` and
 * records the `jti` here; `authenticate` accepts only recorded, unrevoked tokens, which is what makes
 * a bearer token revocable. The token text itself is never stored.
 *
 * @module verifier/store/tokens
 */
import { DeviceParams, TokenParams, type Token } from '../../schemas/admin.js';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from './errors.js';
import { toTokenView, type TokenRow } from './rows.js';
import { parseInput } from './validate.js';

export interface TokenOps {
  /** `expiresAt` in unix seconds, exactly the token's `exp` (what `issueDeviceToken` returns). */
  recordToken(deviceId: string, token: { jti: string; expiresAt: number | null }): Token;
  listTokens(deviceId: string): Token[];
  revokeToken(jti: string): Token;
}

export function createTokenOps({ db, writer, now, lookups }: StoreContext): TokenOps {
  const { requireDevice } = lookups;
  const select = db.prepare('SELECT * FROM tokens WHERE jti = ?');
  const byDevice = db.prepare('SELECT * FROM tokens WHERE device_id = ? ORDER BY created_at, jti');
  const insert = db.prepare('INSERT INTO tokens (jti, device_id, expires_at, created_at) VALUES (?, ?, ?, ?)');
  const revoke = db.prepare('UPDATE tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL');

  return {
    recordToken(deviceId, token) {
      const { id } = parseInput(DeviceParams, { id: deviceId });
      const { jti } = parseInput(TokenParams, { jti: token.jti });
      return writer.write((tx) => {
        requireDevice(id);
        if (select.get(jti)) throw new ConflictError(`token ${jti} is already recorded`);
        insert.run(jti, id, token.expiresAt === null ? null : token.expiresAt * 1000, now());
        tx.changed({ kind: 'device', deviceId: id });
        return toTokenView(select.get(jti) as TokenRow);
      });
    },

    listTokens(deviceId) {
      const { id } = parseInput(DeviceParams, { id: deviceId });
      requireDevice(id);
      return (byDevice.all(id) as TokenRow[]).map(toTokenView);
    },

    revokeToken(jti) {
      const params = parseInput(TokenParams, { jti });
      return writer.write((tx) => {
        const row = select.get(params.jti) as TokenRow | undefined;
        if (!row) throw new NotFoundError(`token ${params.jti} not found`);
        if (revoke.run(now(), row.jti).changes > 0) tx.changed({ kind: 'device', deviceId: row.device_id });
        return toTokenView(select.get(row.jti) as TokenRow);
      });
    },
  };
}
