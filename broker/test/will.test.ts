import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledAcl } from '../../schemas/index.js';
import { allow } from '../authorizers/static.js';
import { collect, connectClient, nextMessage, rawConnect, sleep, startBroker } from './helpers.js';

const will = { topic: 'wills/dev', payload: Buffer.from('gone'), qos: 1 as const, retain: false };

test('the will is published when a client drops without DISCONNECT', async (t) => {
  const h = await startBroker(t);
  const watcher = await connectClient(t, h, { clientId: 'w' });
  await watcher.subscribeAsync('wills/#');
  const raw = await rawConnect(t, h, 4, 'dev', { will });
  const got = nextMessage(watcher);
  raw.socket.destroy();
  assert.equal((await got).payload.toString(), 'gone');
});

test('no will after a normal DISCONNECT, but a 5.0 DISCONNECT 0x04 sends it', async (t) => {
  const h = await startBroker(t);
  const watcher = await connectClient(t, h, { clientId: 'w' });
  await watcher.subscribeAsync('wills/#');
  const got = collect(watcher);
  const clean = await rawConnect(t, h, 5, 'a', { will });
  clean.send({ cmd: 'disconnect', reasonCode: 0 });
  const withWill = await rawConnect(t, h, 5, 'b', { will: { ...will, payload: Buffer.from('b-gone') } });
  withWill.send({ cmd: 'disconnect', reasonCode: 0x04 });
  await sleep(150);
  assert.deepEqual(got.map((m) => m.payload), ['b-gone']);
});

test('a will delay holds the will back, and reconnecting in time cancels it', async (t) => {
  const h = await startBroker(t);
  const watcher = await connectClient(t, h, { clientId: 'w' });
  await watcher.subscribeAsync('wills/#');
  const got = collect(watcher);
  const delayed = { ...will, properties: { willDelayInterval: 1 } };
  const a = await rawConnect(t, h, 5, 'late', { will: delayed, clean: false, properties: { sessionExpiryInterval: 60 } });
  a.socket.destroy();
  const b = await rawConnect(t, h, 5, 'back', { will: { ...delayed, payload: Buffer.from('back-gone') }, clean: false, properties: { sessionExpiryInterval: 60 } });
  b.socket.destroy();
  await sleep(300);
  assert.equal(got.length, 0);
  await rawConnect(t, h, 5, 'back', { clean: false, properties: { sessionExpiryInterval: 60 } });
  await sleep(1100);
  assert.deepEqual(got.map((m) => m.payload), ['gone']);
});

test('the will is checked against the client ACL like a publish', async (t) => {
  const acl: CompiledAcl = { rules: [{ permission: 'allow', action: 'all', topic: 'ok/#', eq: false }], noMatch: 'deny' };
  const h = await startBroker(t, (req) => (req.clientId === 'w' ? allow() : allow(acl)));
  const watcher = await connectClient(t, h, { clientId: 'w' });
  await watcher.subscribeAsync('#');
  const got = collect(watcher);
  const raw = await rawConnect(t, h, 4, 'dev', { will });
  raw.socket.destroy();
  await sleep(150);
  assert.equal(got.length, 0);
});

test('a will with retain set becomes the retained message', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 4, 'dev', { will: { ...will, retain: true } });
  raw.socket.destroy();
  await sleep(100);
  const later = await connectClient(t, h, { clientId: 'later' });
  const got = nextMessage(later);
  await later.subscribeAsync('wills/dev');
  const msg = await got;
  assert.equal(msg.payload.toString(), 'gone');
  assert.equal(msg.packet.retain, true);
});

test('a session taken over by a new connection publishes the old connection will', async (t) => {
  const h = await startBroker(t);
  const watcher = await connectClient(t, h, { clientId: 'w' });
  await watcher.subscribeAsync('wills/#');
  const old = await rawConnect(t, h, 4, 'twin', { will });
  const got = nextMessage(watcher);
  await rawConnect(t, h, 4, 'twin');
  assert.equal((await got).payload.toString(), 'gone');
  await old.closed;
});
