import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admissions } from '../admissions.js';

const allow = (deviceId: string) => ({
  allow: true as const,
  deviceId,
  incarnation: `${deviceId}-1`,
  superuser: false,
  groups: [],
  credential: { kind: 'x509' as const, id: `cert-${deviceId}` },
  expiresAt: null,
  acl: { rules: [], noMatch: 'deny' as const },
});

test('past maxEntries the least recently used record goes, through uses, removals and re-admissions', () => {
  const admissions = new Admissions({ maxEntries: 3, idleMs: 60_000 }, () => 1000);
  const admit = (clientId: string) => admissions.admit('broker', clientId, undefined, allow(clientId));
  for (const clientId of ['a', 'b', 'c', 'd']) admit(clientId); // a goes: b c d
  assert.ok(admissions.find('broker', 'b')); // c d b
  admit('e'); // c goes: d b e
  admissions.forget('broker', 'd'); // b e
  admit('f'); // b e f
  admit('g'); // b goes: e f g
  admit('e'); // the same identity again: f g e
  admit('h'); // f goes: g e h
  const live = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].filter((clientId) => admissions.find('broker', clientId) !== undefined);
  assert.deepEqual(live, ['e', 'g', 'h']);
  assert.equal(admissions.size, 3);
});
