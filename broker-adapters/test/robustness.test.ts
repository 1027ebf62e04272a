/**
 * Bad input never crashes an adapter, never allows and never gets a 5xx: malformed, truncated,
 * oversize and wrong-type bodies are denies in each broker's terms (NanoMQ and go-auth: a 4xx; EMQX: a
 * 200 deny). A decision core that throws gets a 5xx, which every broker treats as "cannot decide".
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import type { Decider } from '../../verifier/core/index.js';
import { LONG_PASSWORD, REPLAY_ENV, provisionCaptureDevices } from './fixtures.js';
import { call } from './http.js';
import { startAdapterApp } from './adapter-app.js';
import { WEBHOOK_SECRET, startTestVerifier } from '../../verifier/test/test-verifier.js';

const JSON_TYPE = { 'content-type': 'application/json' };

test('malformed, wrong-type, oversize and unsupported bodies are denies naming the problem', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const huge = JSON.stringify({ clientid: 'bob', password: 'x'.repeat(600 * 1024) });
  const cases: Array<[string, string | object, Record<string, string>, number, string]> = [
    ['/nanomq/auth', '{"clientid":', JSON_TYPE, 400, 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['/nanomq/auth', { clientid: 7 }, {}, 400, 'ERR_ADAPTER_INVALID_FIELD'],
    ['/nanomq/acl', 'clientid=bob&access=3&topic=a', {}, 400, 'ERR_ADAPTER_INVALID_FIELD'],
    ['/nanomq/acl', 'clientid=bob&clientid=eve&access=2&topic=a', {}, 400, 'ERR_ADAPTER_INVALID_FIELD'],
    ['/nanomq/acl', '[1,2]', JSON_TYPE, 400, 'ERR_ADAPTER_INVALID_FIELD'],
    ['/nanomq/auth', huge, JSON_TYPE, 413, 'FST_ERR_CTP_BODY_TOO_LARGE'],
    ['/nanomq/auth', 'clientid=bob', { 'content-type': 'application/xml' }, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ['/nanomq/auth', 'clientid=bob', { 'content-type': 'text/plain' }, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ['/go-auth/json/acl', { acc: 9, clientid: 'bob', topic: 'a', username: 'bob' }, {}, 400, 'ERR_ADAPTER_INVALID_FIELD'],
    ['/go-auth/json/user', 'null', JSON_TYPE, 400, 'ERR_ADAPTER_INVALID_FIELD'],
    ['/go-auth/text/user', huge, JSON_TYPE, 413, 'FST_ERR_CTP_BODY_TOO_LARGE'],
    ['/go-auth/jwt/user', 'null', JSON_TYPE, 400, 'ERR_ADAPTER_INVALID_FIELD'],
  ];
  for (const [path, body, headers, status, code] of cases) {
    const reply = await call(port, 'POST', path, { body, headers });
    assert.equal(reply.status, status, `${path} ${String(body).slice(0, 40)}`);
    assert.match(reply.body, new RegExp(code), path);
  }
  for (const body of ['{"clientid":', huge, JSON.stringify({ clientid: 'bob', action: 'delete', topic: 'a' })]) {
    const reply = await call(port, 'POST', '/emqx/authz', { body, headers: JSON_TYPE });
    assert.equal(reply.status, 200);
    assert.equal(reply.json().result, 'deny');
  }
});

test('a GET body larger than the limit is refused, and a go-auth GET body is read like a POST body', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const user = { clientid: 'bob', username: 'bob', password: LONG_PASSWORD };
  const ok = await rawExchange(port, getWithBody('/go-auth/text/user', JSON.stringify(user)));
  assert.match(ok, /^HTTP\/1\.1 200 [^]*\r\n\r\nok$/);
  const big = await rawExchange(port, getWithBody('/go-auth/text/user', JSON.stringify({ ...user, password: 'x'.repeat(600 * 1024) })));
  assert.match(big, /^HTTP\/1\.1 413 /);
});

test('a __proto__ key in a GET body is a 400 naming the key, as in a POST body, never an allow', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const body = '{"clientid":"bob","username":"bob","password":"x","__proto__":{"superuser":true}}';
  for (const answer of [
    await rawExchange(port, getWithBody('/go-auth/text/user', body)),
    (await call(port, 'POST', '/go-auth/text/user', { body, headers: JSON_TYPE })).body,
  ]) {
    assert.match(answer, /body\.__proto__/);
    assert.doesNotMatch(answer, /^HTTP\/1\.1 2|^ok$/);
  }
});

test('a body cut short by the caller is never an allow and leaves the verifier serving', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const body = JSON.stringify({ clientid: 'bob', username: 'bob', password: LONG_PASSWORD });
  for (const method of ['POST', 'GET']) {
    const request = `${method} /go-auth/status/user HTTP/1.1\r\nHost: x\r\nx-arra-secret: ${WEBHOOK_SECRET}\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 20}\r\n\r\n${body}`;
    const answer = await rawExchange(port, request, 300);
    assert.doesNotMatch(answer, /^HTTP\/1\.1 2/, method);
  }
  const after = await call(port, 'POST', '/go-auth/status/user', { body: JSON.parse(body) as object });
  assert.equal(after.status, 200);
});

test('unknown devices, wildcard ids and empty passwords are denied by every dialect', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const identities = [
    { clientid: 'x', username: 'nobody', password: LONG_PASSWORD },
    { clientid: 'bob', username: 'bo+', password: LONG_PASSWORD },
    { clientid: '#', username: '#', password: LONG_PASSWORD },
    { clientid: 'bob', username: 'bob', password: '' },
  ];
  for (const id of identities) {
    assert.equal((await call(port, 'POST', '/nanomq/auth', { body: id })).status, 403, JSON.stringify(id));
    assert.equal((await call(port, 'POST', '/go-auth/json/user', { body: id })).status, 403, JSON.stringify(id));
    assert.equal((await call(port, 'POST', '/emqx/authn', { body: id })).json().result, 'deny', JSON.stringify(id));
  }
  assert.equal((await call(port, 'POST', '/nanomq/acl', { body: 'clientid=%2B&username=%23&access=2&topic=a' })).status, 403);
  assert.equal((await call(port, 'POST', '/go-auth/acl', { body: 'acc=2&clientid=x&username=%2B&topic=dev%2F1' })).status, 403);
});

test('the right credentials are allowed by every dialect (the allow path the short capture passwords cannot show)', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const form = `clientid=sub-1&username=bob&password=${encodeURIComponent(LONG_PASSWORD)}`;
  assert.equal((await call(port, 'POST', '/nanomq/auth', { body: form })).status, 200);
  assert.equal((await call(port, 'GET', `/nanomq/auth?${form}`)).status, 200);
  assert.equal((await call(port, 'POST', '/go-auth/user', { body: form })).status, 200);
  assert.equal((await call(port, 'PUT', '/go-auth/json/user', { body: { clientid: 'sub-1', username: 'bob', password: LONG_PASSWORD } })).status, 200);
});

test('a decision core that throws gets a 5xx from every dialect, never an allow', async (t) => {
  const failing: Decider = {
    authenticate: () => Promise.reject(new Error('store gone')),
    authorize: () => {
      throw new Error('store gone');
    },
    rights: () => {
      throw new Error('store gone');
    },
    isSuperuser: () => {
      throw new Error('store gone');
    },
    onChange: () => () => undefined,
  };
  const { port } = await startAdapterApp(t, { decider: () => failing });
  const requests: Array<[string, string | object]> = [
    ['/nanomq/auth', 'clientid=bob&username=bob&password=x'],
    ['/nanomq/superuser', 'clientid=bob&username=bob'],
    ['/nanomq/acl', 'clientid=bob&access=2&topic=a'],
    ['/go-auth/json/user', { clientid: 'bob', username: 'bob', password: 'x' }],
    ['/go-auth/text/superuser', { username: 'bob' }],
    ['/go-auth/acl', { acc: 1, clientid: 'bob', username: 'bob', topic: 'a' }],
    ['/emqx/authn', { clientid: 'bob', username: 'bob', password: 'x' }],
    ['/emqx/authz', { clientid: 'bob', action: 'publish', topic: 'a' }],
  ];
  for (const [path, body] of requests) {
    const reply = await call(port, 'POST', path, { body });
    assert.equal(reply.status, 503, path);
    assert.doesNotMatch(reply.body, /"ok":true|"result":"allow"|^ok$/, path);
  }
  const jwt = await call(port, 'POST', '/go-auth/jwt/user', { body: 'null', headers: { ...JSON_TYPE, authorization: 'Bearer a.b.c' } });
  assert.equal(jwt.status, 503);
});

function getWithBody(path: string, body: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\nx-arra-secret: ${WEBHOOK_SECRET}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Sends raw bytes; returns whatever came back when the server closed or `quietMs` passed without data. */
function rawExchange(port: number, request: string, quietMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let timer = setTimeout(() => socket.destroy(), quietMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(request);
  });
}
