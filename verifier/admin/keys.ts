/** The core's `KeyRing`, imported as CryptoKeys once: `verificationKey` runs on every token check, synchronously. */
import { importJWK, type JWK } from 'jose';
import type { SigningAlg, SigningKeyInfo } from '../../schemas/admin.js';
import { generateSigningKey, type KeyRing } from '../core/index.js';
import type { AdminContext } from './context.js';

export interface SigningKeys extends KeyRing {
  /** The JWKS document (`/.well-known/jwks.json`): public halves of every key that still verifies. */
  publicJwks(): { keys: JWK[] };
}

export interface KeyAdmin {
  listKeys(): Promise<SigningKeyInfo[]>;
  rotateKey(alg: SigningAlg): Promise<SigningKeyInfo>;
  retireKey(kid: string): Promise<SigningKeyInfo>;
}

interface KeyCache {
  verifying: Map<string, { alg: string; key: CryptoKey }>;
  active: { kid: string; alg: string; key: CryptoKey } | undefined;
  jwks: JWK[];
}

const FIRST_KEY_ALG: SigningAlg = 'EdDSA';

export async function createKeys({ store: { signingKeys }, logger }: AdminContext): Promise<{ keys: SigningKeys; admin: KeyAdmin }> {
  let cache: KeyCache = { verifying: new Map(), active: undefined, jwks: [] };
  let reloading: Promise<void> = Promise.resolve();

  /** Serialised, so an older read of the keys never replaces a newer one. */
  function reload(): Promise<void> {
    reloading = reloading.then(load, load);
    return reloading;
  }

  async function load(): Promise<void> {
    const next: KeyCache = { verifying: new Map(), active: undefined, jwks: [] };
    for (const stored of await signingKeys.live()) {
      next.verifying.set(stored.kid, { alg: stored.alg, key: (await importJWK(stored.publicJwk, stored.alg)) as CryptoKey });
      next.jwks.push(stored.publicJwk);
      if (stored.status === 'active') {
        next.active = { kid: stored.kid, alg: stored.alg, key: (await importJWK(stored.privateJwk, stored.alg)) as CryptoKey };
      }
    }
    cache = next; // swapped whole: a reader never sees a half-loaded ring
  }

  if (!(await signingKeys.live()).some((k) => k.status === 'active')) {
    const first = await generateSigningKey(FIRST_KEY_ALG);
    if (await signingKeys.addFirst(first)) logger?.info({ kid: first.kid, alg: first.alg }, 'first start: token signing key generated');
  }
  await reload();
  // Another replica rotated or retired a key: this one's ring follows.
  signingKeys.onChange?.(() => {
    reload().catch((err: unknown) => logger?.error({ err }, 'signing keys could not be reloaded'));
  });

  const keys: SigningKeys = {
    verificationKey: (kid) => cache.verifying.get(kid),
    activeSigningKey() {
      if (!cache.active) throw new Error('no active signing key');
      return cache.active;
    },
    publicJwks: () => ({ keys: cache.jwks }),
  };

  const admin: KeyAdmin = {
    listKeys: () => signingKeys.list(),
    async rotateKey(alg) {
      const key = await generateSigningKey(alg);
      await signingKeys.rotate(key);
      await reload();
      logger?.info({ kid: key.kid, alg: key.alg }, 'signing key rotated');
      return signingKeys.get(key.kid);
    },
    async retireKey(kid) {
      // Dropped from the ring before the write announces the change, so a re-check prompted by the
      // announcement already fails; a write that fails puts the ring back as stored.
      const verifying = (await signingKeys.get(kid)).status === 'verifying';
      if (verifying) {
        cache.verifying.delete(kid);
        cache.jwks = cache.jwks.filter((jwk) => jwk.kid !== kid);
      }
      try {
        const retired = await signingKeys.retire(kid);
        if (verifying) logger?.info({ kid }, 'signing key retired');
        return retired;
      } catch (err) {
        await reload();
        throw err;
      }
    },
  };
  return { keys, admin };
}
