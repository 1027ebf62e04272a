/**
 * The shipped broker configuration snippets point at routes that exist and prove the caller the way
 * the guard expects, so the files cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SECRET_HEADER } from '../index.js';
import { startAdapterApp } from './adapter-app.js';

const adapters = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(adapters, file), 'utf8');

function pathsIn(text: string): string[] {
  const urls = [...text.matchAll(/(?:url\s*=\s*"?http:\/\/127\.0\.0\.1:8080|_uri )(\/[^\s"?]+)/g)].map((m) => m[1]!);
  return [...new Set(urls)];
}

test('every URI in the NanoMQ, go-auth and EMQX snippets is served by an adapter route', async (t) => {
  const { app } = await startAdapterApp(t);
  const files = ['nanomq/nanomq.conf', 'nanomq/nanomq_old.conf', 'mosquitto-go-auth/go-auth.conf', 'mosquitto-go-auth/go-auth-jwt.conf', 'emqx/emqx.conf'];
  for (const file of files) {
    const paths = pathsIn(read(file));
    assert.ok(paths.length >= 2, `${file}: no URIs found`);
    for (const url of paths) assert.ok(app.hasRoute({ method: 'POST', url }), `${file}: ${url} is not a route`);
  }
});

test('snippets that can send headers send the guard header on every request', () => {
  for (const file of ['nanomq/nanomq.conf', 'nanomq/nanomq_old.conf', 'emqx/emqx.conf']) {
    const text = read(file).toLowerCase();
    const urls = (text.match(/\.url\s*=|url = /g) ?? []).length;
    const secrets = (text.match(new RegExp(`${SECRET_HEADER}"?\\s*=`, 'g')) ?? []).length;
    assert.equal(secrets, urls, `${file}: ${urls} requests, ${secrets} carry ${SECRET_HEADER}`);
  }
});
