/**
 * The in-process authorizer: decisions of the core pass through, a fault becomes
 * AuthorizerUnavailableError (fail closed), and registry changes reach the listeners until close.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthenticateDecision, Change } from '../../schemas/index.js';
import { AuthorizerUnavailableError } from '../errors.js';
import { createInProcessAuthorizer, type ConnectDecider } from '../authorizers/in-process.js';

/** A core whose `authenticate` is given and whose `rights` always faults. */
function decider(authenticate: () => Promise<AuthenticateDecision>): ConnectDecider {
  return {
    authenticate,
    rights: () => {
      throw new Error('SQLITE_BUSY');
    },
  };
}

function registry() {
  const listeners = new Set<(change: Change) => void>();
  return {
    onChange(listener: (change: Change) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (change: Change) => listeners.forEach((l) => l(change)),
    get size() {
      return listeners.size;
    },
  };
}

test('a deny of the core is passed through as the decision', async () => {
  const store = registry();
  const a = createInProcessAuthorizer(decider(async () => ({ allow: false, reason: 'bad_credentials' })), store.onChange);
  assert.deepEqual(await a.authenticate({ clientId: 'c' }), { allow: false, reason: 'bad_credentials' });
});

test('a fault in the core becomes AuthorizerUnavailableError, never an allow', async () => {
  const store = registry();
  const a = createInProcessAuthorizer(decider(async () => { throw new Error('SQLITE_BUSY'); }), store.onChange);
  await assert.rejects(a.authenticate({ clientId: 'c' }), { code: AuthorizerUnavailableError.code });
  await assert.rejects(a.rights({ deviceId: 'd', incarnation: 'i', clientId: 'c' }), { code: AuthorizerUnavailableError.code });
});

test('registry changes reach every listener even when one throws, and stop after close', async () => {
  const store = registry();
  const a = createInProcessAuthorizer(decider(async () => ({ allow: false, reason: 'disabled' })), store.onChange);
  const seen: Change[] = [];
  a.onChange(() => { throw new Error('listener bug'); });
  a.onChange((change) => seen.push(change));
  store.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.deepEqual(seen, [{ kind: 'device', deviceId: 'dev-1' }]);
  await a.close();
  assert.equal(store.size, 0);
});
