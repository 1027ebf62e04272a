import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImportBody } from '../../../schemas/admin.js';
import { openTestAdmin } from '../../admin/test/helpers.js';
import { parseImportCsv } from '../admin/import-csv.js';
import type { ValidationError } from '../../store/index.js';

test('a CSV import reads groups, booleans, quoted passwords and fingerprints', async (t) => {
  const csv = [
    'id,groups,superuser,password,cert_fingerprint',
    'a,g1;g2,true,"pass,with ""comma""",',
    'b,,0,,' + 'AB:'.repeat(31) + 'AB',
    '',
  ].join('\r\n');
  const body = parseImportCsv(csv);
  assert.deepEqual(body.devices, [
    { id: 'a', groups: ['g1', 'g2'], superuser: true, password: 'pass,with "comma"' },
    { id: 'b', superuser: false, certFingerprint: 'AB:'.repeat(31) + 'AB' },
  ]);
  const { store, admin } = await openTestAdmin(t);
  assert.deepEqual(await admin.importDevices(ImportBody.parse(body)), { created: 2, updated: 0, skipped: 0 });
  assert.equal(store.findCertificate('ab'.repeat(32))?.deviceId, 'b');
});

test('a malformed CSV is a validation error naming the line or column', () => {
  const fails = (csv: string, path: string) =>
    assert.throws(() => parseImportCsv(csv), (err: ValidationError) => err.code === 'ERR_VALIDATION' && err.fields[0]?.path === path, csv);
  fails('', 'csv');
  fails('id,color\na,red', 'csv.header.1');
  fails('groups\ng', 'csv.header');
  fails('id,superuser\na,yes', 'csv.line.2.superuser');
  fails('id,groups\na\n', 'csv.line.2');
  fails('id,password\na,"open', 'csv');
});
