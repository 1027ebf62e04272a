import assert from 'node:assert/strict';
import { testEachStore } from '../../store/test/each-store.js';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import type { KeyRing } from '../../core/index.js';
import { tempDir } from '../../store/test/helpers.js';
import { openAdminIn } from './helpers.js';

async function sign(keys: KeyRing): Promise<string> {
  const { kid, alg, key } = keys.activeSigningKey();
  return new SignJWT({}).setProtectedHeader({ alg, kid }).setSubject('dev-1').sign(key);
}

async function verifies(keys: KeyRing, token: string) {
  try {
    await jwtVerify(token, async (header) => {
      const found = keys.verificationKey(header.kid!);
      if (!found) throw new Error('unknown kid');
      return found.key;
    });
    return true;
  } catch {
    return false;
  }
}

testEachStore('the first start creates one EdDSA key that survives a reopen', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const first = await openAdminIn(dataDir);
  const token = await sign(first.admin.keys);
  const kid = first.admin.keys.activeSigningKey().kid;
  assert.equal(first.admin.keys.activeSigningKey().alg, 'EdDSA');
  await first.store.close();
  const second = await openAdminIn(dataDir);
  t.after(() => second.store.close());
  assert.equal(second.admin.keys.activeSigningKey().kid, kid);
  assert.equal((await second.admin.listKeys()).length, 1);
  assert.ok(await verifies(second.admin.keys, token));
});

testEachStore('rotation makes a new key active while old tokens keep verifying, also after a reopen', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const { store, admin } = await openAdminIn(dataDir);
  const oldToken = await sign(admin.keys);
  const oldKid = admin.keys.activeSigningKey().kid;
  const rotated = await admin.rotateKey('ES256');
  assert.equal(rotated.status, 'active');
  assert.equal(admin.keys.activeSigningKey().kid, rotated.kid);
  assert.equal(admin.keys.activeSigningKey().alg, 'ES256');
  assert.ok(await verifies(admin.keys, oldToken));
  assert.ok(await verifies(admin.keys, await sign(admin.keys)));
  assert.deepEqual((await admin.listKeys()).map((k) => [k.kid, k.status]), [[oldKid, 'verifying'], [rotated.kid, 'active']]);
  await store.close();
  const reopened = await openAdminIn(dataDir);
  t.after(() => reopened.store.close());
  assert.equal(reopened.admin.keys.activeSigningKey().kid, rotated.kid);
  assert.ok(await verifies(reopened.admin.keys, oldToken));
});

testEachStore('a retired key stops verifying and leaves the JWKS; the active key cannot be retired', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const { store, admin } = await openAdminIn(dataDir);
  t.after(() => store.close());
  const oldToken = await sign(admin.keys);
  const oldKid = admin.keys.activeSigningKey().kid;
  await admin.rotateKey('EdDSA');
  assert.deepEqual(admin.keys.publicJwks().keys.map((k) => k.kid).sort(), [oldKid, admin.keys.activeSigningKey().kid].sort());
  await assert.rejects(admin.retireKey(admin.keys.activeSigningKey().kid), { code: 'ERR_CONFLICT' });
  await assert.rejects(admin.retireKey('nope'), { code: 'ERR_NOT_FOUND' });
  const retired = await admin.retireKey(oldKid);
  assert.equal(retired.status, 'retired');
  assert.ok(retired.retiredAt);
  assert.equal(await verifies(admin.keys, oldToken), false);
  assert.deepEqual(admin.keys.publicJwks().keys.map((k) => k.kid), [admin.keys.activeSigningKey().kid]);
  for (const jwk of admin.keys.publicJwks().keys) assert.equal('d' in jwk, false, 'the JWKS holds public halves only');
});
