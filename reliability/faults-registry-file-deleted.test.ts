/**
 * The registry file deleted, or replaced by another file, under the running verifier. SQLite keeps
 * writing into the file it has open, which no later start will ever open: before the fix every write
 * answered 201 and `/healthz` 200, and the next start silently created a new registry (new CA, new
 * keys, no devices) that the old admin token still opened. Now writes are a 503 JSON, `/healthz` a
 * 503, decisions keep answering from the open file, and a start without the registry refuses.
 *
 * @module reliability/faults-registry-file-deleted
 */
import assert from 'node:assert/strict';
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATABASE_FILE, openStore, RegistryMissingError } from '../verifier/store/index.js';
import { http, postJson, recordResult } from './harness.js';
import { ADMIN_HEADERS, BROKER_HEADERS, startTestVerifier } from '../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate } from '../schemas/admin.js';

const PASSWORD = 'registry-gone-password-1';

async function answers(url: string, deviceId: string) {
  const health = await http(url, 'GET', '/healthz');
  const write = await postJson(url, '/v1/admin/devices', { id: deviceId }, ADMIN_HEADERS);
  const decision = await postJson(url, '/v1/authenticate', { clientId: 'dev-rg', username: 'dev-rg', password: PASSWORD }, BROKER_HEADERS);
  return { health, write, decision };
}

for (const fault of ['deleted', 'replaced'] as const) {
  test(`registry file ${fault} while running: writes 503, /healthz 503, decisions still answer; a restart refuses`, async (t) => {
    const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'warn' } });
    await v.useCases.createDevice(DeviceCreate.parse({ id: 'dev-rg' }));
    await v.useCases.addCredential('dev-rg', CredentialCreate.parse({ kind: 'password', secret: PASSWORD }));
    const path = join(v.dataDir, DATABASE_FILE);

    const before = await answers(v.url, 'dev-before');
    assert.deepEqual([before.health.status, before.write.status, before.decision.status], [200, 201, 200]);

    if (fault === 'deleted') {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    } else {
      // A copy moved over the original: same content, another inode (a restore done under a running service).
      copyFileSync(path, `${path}.copy`);
      renameSync(`${path}.copy`, path);
    }

    const after = await answers(v.url, 'dev-after');
    assert.equal(after.write.status, 503, after.write.text);
    assert.equal((after.write.json as { error: { code: string; message: string } }).error.code, 'unavailable');
    assert.match((after.write.json as { error: { message: string } }).error.message, new RegExp(`was ${fault} while the verifier runs`));
    assert.equal(after.health.status, 503, after.health.text);
    assert.match(after.health.text, /registry file deleted or replaced/);
    assert.equal(after.decision.status, 200, 'decisions read the file still open');
    await assert.rejects(v.useCases.getDeviceDetail('dev-after'), /dev-after/, 'the refused write wrote nothing');

    if (fault === 'deleted') {
      await assert.rejects(openStore({ dataDir: v.dataDir }), (err: Error) => {
        assert.ok(err instanceof RegistryMissingError);
        assert.match(err.message, /registry\.sqlite is missing, but .*registry\.sqlite\.created says a registry was created here/);
        return true;
      });
    }
    recordResult(`faults-registry-file-${fault}`, {
      before: { healthz: before.health.status, write: before.write.status, decision: before.decision.status },
      after: { healthz: after.health.status, write: after.write.status, decision: after.decision.status },
    });
  });
}
