import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { openStore } from './index.js';
import { tempDir } from './test/helpers.js';

async function sign(store: { activeSigningKey(): { kid: string; alg: string; key: CryptoKey } }): Promise<string> {
  const { kid, alg, key } = store.activeSigningKey();
  return new SignJWT({}).setProtectedHeader({ alg, kid }).setSubject('dev-1').sign(key);
}

async function verifies(store: { verificationKey(kid: string): { alg: string; key: CryptoKey } | undefined }, token: string) {
  try {
    await jwtVerify(token, async (header) => {
      const found = store.verificationKey(header.kid!);
      if (!found) throw new Error('unknown kid');
      return found.key;
    });
    return true;
  } catch {
    return false;
  }
}

test('the first start creates one EdDSA key that survives a reopen', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const first = await openStore({ dataDir });
  const token = await sign(first);
  const kid = first.activeSigningKey().kid;
  assert.equal(first.activeSigningKey().alg, 'EdDSA');
  first.close();
  const second = await openStore({ dataDir });
  t.after(() => second.close());
  assert.equal(second.activeSigningKey().kid, kid);
  assert.equal(second.listKeys().length, 1);
  assert.ok(await verifies(second, token));
});

test('rotation makes a new key active while old tokens keep verifying, also after a reopen', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const store = await openStore({ dataDir });
  const oldToken = await sign(store);
  const oldKid = store.activeSigningKey().kid;
  const rotated = await store.rotateKey({ alg: 'ES256' });
  assert.equal(rotated.status, 'active');
  assert.equal(store.activeSigningKey().kid, rotated.kid);
  assert.equal(store.activeSigningKey().alg, 'ES256');
  assert.ok(await verifies(store, oldToken));
  assert.ok(await verifies(store, await sign(store)));
  assert.deepEqual(store.listKeys().map((k) => [k.kid, k.status]), [[oldKid, 'verifying'], [rotated.kid, 'active']]);
  store.close();
  const reopened = await openStore({ dataDir });
  t.after(() => reopened.close());
  assert.equal(reopened.activeSigningKey().kid, rotated.kid);
  assert.ok(await verifies(reopened, oldToken));
});

test('a retired key stops verifying and leaves the JWKS; the active key cannot be retired', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const store = await openStore({ dataDir });
  t.after(() => store.close());
  const oldToken = await sign(store);
  const oldKid = store.activeSigningKey().kid;
  await store.rotateKey();
  assert.deepEqual(store.publicJwks().keys.map((k) => k.kid).sort(), [oldKid, store.activeSigningKey().kid].sort());
  assert.throws(() => store.retireKey(store.activeSigningKey().kid), { code: 'conflict' });
  assert.throws(() => store.retireKey('nope'), { code: 'not_found' });
  const retired = store.retireKey(oldKid);
  assert.equal(retired.status, 'retired');
  assert.ok(retired.retiredAt);
  assert.equal(await verifies(store, oldToken), false);
  assert.deepEqual(store.publicJwks().keys.map((k) => k.kid), [store.activeSigningKey().kid]);
  for (const jwk of store.publicJwks().keys) assert.equal('d' in jwk, false, 'the JWKS holds public halves only');
});
