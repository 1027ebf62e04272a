import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../../test/test-verifier.js';

test('metrics count decisions by kind, result and reason in the Prometheus text format', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'dev-1', username: 'dev-1', password: 'not-registered' } });
  const res = await v.app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  assert.match(res.body, /arra_decisions_total\{kind="authenticate",result="deny",reason="bad_credentials"\} 1/);
  assert.match(res.body, /arra_decision_duration_seconds_count\{kind="authenticate"\} 1/);
  assert.match(res.body, /arra_lockouts\{key="device"\} 0/);
  assert.match(res.body, /arra_acl_cache_lookups\{result="hit"\}/);
  assert.match(res.body, /arra_http_request_duration_seconds_count\{method="POST",route="\/v1\/authenticate",status="403"\} 1/);
});

test('HTTP durations are labelled by route template, once per request; an unknown path is "unmatched"', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-secret-name' } });
  await v.admin({ method: 'PATCH', url: '/v1/admin/devices/dev-secret-name', payload: { enabled: false } });
  await v.app.inject({ url: '/no/such/path' });
  await v.app.inject({ url: '/no/such/path' });
  const body = (await v.app.inject({ url: '/metrics' })).body;
  const count = (labels: string) => Number(body.match(new RegExp(`arra_http_request_duration_seconds_count\\{${labels}\\} (\\d+)`))?.[1]);
  assert.equal(count('method="POST",route="/v1/admin/devices",status="201"'), 1);
  assert.equal(count('method="PATCH",route="/v1/admin/devices/:id",status="200"'), 1);
  assert.equal(count('method="GET",route="unmatched",status="404"'), 2);
  assert.doesNotMatch(body, /route="[^"]*dev-secret-name/, 'never the raw URL');
});

test('the OpenAPI document lists the broker and admin routes with their zod-derived schemas', async (t) => {
  const v = await startTestVerifier(t);
  const res = await v.app.inject({ url: '/docs/json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.match(doc.openapi, /^3\./);
  assert.ok(doc.paths['/v1/authenticate'].post.requestBody);
  assert.ok(doc.paths['/v1/admin/devices/{id}'].patch);
  assert.ok(doc.paths['/v1/admin/import'].post);
  const body = doc.paths['/v1/authorize'].post.requestBody.content['application/json'].schema;
  assert.equal(body.additionalProperties, false);
});

test('unknown routes are a JSON 404 that does not echo the query string', async (t) => {
  const v = await startTestVerifier(t);
  const res = await v.app.inject({ url: '/nope?password=hunter22' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'not_found');
  assert.doesNotMatch(res.body, /hunter22/);
});
