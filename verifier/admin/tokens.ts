/** The token text is in the issue answer only; its `jti` is recorded so it can be revoked. */
import type { Token, TokenIssued } from '../../schemas/admin.js';
import { issueDeviceToken, type KeyRing } from '../core/index.js';
import type { AdminContext } from './context.js';
import { requireDevice } from './credentials.js';

export interface TokenIdentity {
  issuer: string;
  audience: string;
  /** `ARRA_TOKEN_TTL`: the lifetime when the request names none. */
  defaultTtlSeconds: number;
}

export interface TokenAdmin {
  issueToken(deviceId: string, ttlSeconds?: number): Promise<TokenIssued>;
  /** Records a token signed elsewhere; `expiresAt` in unix seconds, the token's `exp`. */
  recordToken(deviceId: string, token: { jti: string; expiresAt: number | null }): Promise<Token>;
  listTokens(deviceId: string): Promise<Token[]>;
  revokeToken(jti: string): Promise<Token>;
}

export function createTokenAdmin({ store: { devices, tokens }, clock }: AdminContext, keys: KeyRing, identity: TokenIdentity): TokenAdmin {
  return {
    async issueToken(deviceId, ttlSeconds = identity.defaultTtlSeconds) {
      await requireDevice(devices, deviceId); // before signing a token nobody could use
      const { issuer, audience } = identity;
      const issued = await issueDeviceToken(keys, clock, { deviceId, issuer, audience, ttlSeconds });
      await tokens.record(deviceId, { jti: issued.jti, expiresAt: issued.expiresAt });
      return { token: issued.token, jti: issued.jti, expiresAt: new Date(issued.expiresAt * 1000).toISOString() };
    },
    recordToken: (deviceId, token) => tokens.record(deviceId, token),
    listTokens: (deviceId) => tokens.list(deviceId),
    revokeToken: (jti) => tokens.revoke(jti),
  };
}
