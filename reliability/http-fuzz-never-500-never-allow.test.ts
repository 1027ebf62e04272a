/**
 * HTTP fuzz of every route of the verifier and the broker adapters, read from the service's own
 * OpenAPI document (so a new route is fuzzed without touching this file). Bodies, queries and path
 * parameters come from the routes' zod schemas (JSON Schema via the OpenAPI document, or
 * `z.toJSONSchema` for the adapters' parameter schemas), half of them broken on purpose, plus a fixed
 * list of hostile bodies. Never a 5xx, never an allow, `/healthz` keeps answering, and no request
 * pollutes `Object.prototype`. The seed is printed; `ARRA_FUZZ_SEED` replays a run.
 *
 * @module reliability/http-fuzz-never-500-never-allow
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { AuthnParams, AuthzParams } from '../broker-adapters/emqx/map.js';
import { AclParams, JwtIdentityParams, SuperuserParams, UserParams } from '../broker-adapters/mosquitto-go-auth/map.js';
import { NanoParams } from '../broker-adapters/nanomq/map.js';
import { fuzzSeed, http, pool, prng, recordResult, scale, type HttpAnswer } from './harness.js';
import { generate, hostileBodies, schemaBody, type JsonSchema } from './schema-inputs.js';
import { ADMIN_HEADERS, BROKER_HEADERS, startTestVerifier } from '../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate } from '../schemas/admin.js';
import { createInProcessAuthorizer } from '../broker/authorizers/in-process.js';
import { BrokerConfig } from '../broker/config.js';
import { startBroker, type RunningBroker } from '../broker/start.js';
import { createLogger } from '../logging/logger.js';

const PER_ROUTE = scale(25, 400);
const PASSWORD = 'correct-horse-battery-staple';

interface Operation {
  method: string;
  path: string;
  body?: JsonSchema;
  query: Array<{ name: string; schema: JsonSchema }>;
  params: Array<{ name: string; schema: JsonSchema }>;
}

const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** The adapters parse their own parameters (form, JSON or query): their zod schemas, by route. */
function adapterSchema(path: string): JsonSchema | undefined {
  if (path.startsWith('/nanomq/')) return toSchema(NanoParams);
  if (path.startsWith('/emqx/authn')) return toSchema(AuthnParams);
  if (path.startsWith('/emqx/authz')) return toSchema(AuthzParams);
  if (path.startsWith('/go-auth/jwt/')) return toSchema(JwtIdentityParams);
  if (path.startsWith('/go-auth/') && path.endsWith('/acl')) return toSchema(AclParams);
  if (path.startsWith('/go-auth/') && path.endsWith('/superuser')) return toSchema(SuperuserParams);
  if (path.startsWith('/go-auth/')) return toSchema(UserParams);
  return undefined;
}

function allowLine(line: string): boolean {
  try {
    return (JSON.parse(line) as { decision?: { allow?: unknown } }).decision?.allow === true;
  } catch {
    return false;
  }
}

/** Whether an answer would let a client in (or let it publish/subscribe), in the route's dialect. */
function isAllow(path: string, answer: HttpAnswer): boolean {
  if (path === '/v1/authenticate' || path === '/v1/authorize') return answer.status === 200;
  // NDJSON, a line per request: any allow line lets a client in.
  if (path === '/v1/authenticate/batch') return answer.status === 200 && answer.text.split('\n').some(allowLine);
  if (path.startsWith('/nanomq/')) return answer.status === 200;
  if (path.startsWith('/go-auth/')) return answer.status >= 200 && answer.status < 300;
  if (path.startsWith('/emqx/')) return (answer.json as { result?: unknown } | undefined)?.result === 'allow';
  return false;
}

function operations(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const parameters = (op.parameters ?? []) as Array<{ in: string; name: string; schema: JsonSchema }>;
      const content = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)?.content;
      const body = content?.['application/json']?.schema ?? adapterSchema(path);
      ops.push({
        method: method.toUpperCase(),
        path,
        ...(body ? { body } : {}),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        params: parameters.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
      });
    }
  }
  return ops;
}

const NASTY_SEGMENTS = ['..', '%2e%2e%2f', '%00', '%ff', 'a'.repeat(5000), '%F0%9F%99%82', 'fz-dev', '*', '%23', '%2F'];

function url(rand: () => number, op: Operation): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (rand() < 0.4) return NASTY_SEGMENTS[Math.floor(rand() * NASTY_SEGMENTS.length)]!;
    const schema = op.params.find((p) => p.name === name)?.schema;
    return encodeURIComponent(String(generate(rand, schema)).toWellFormed());
  });
  const query = new URLSearchParams();
  // The change feed holds a request up to waitMs: keep the fuzz from waiting on it.
  for (const q of op.query) {
    if (q.name === 'waitMs') query.set(q.name, String([0, 1, -1, 1e12, 'x'][Math.floor(rand() * 5)]));
    else if (rand() < 0.7) query.set(q.name, String(generate(rand, q.schema)));
  }
  if (op.method === 'GET' && op.body && rand() < 0.5) {
    const params = generate(rand, op.body);
    if (params && typeof params === 'object') for (const [k, v] of Object.entries(params)) query.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

test('every verifier and adapter route answers fuzzed and hostile input with a 4xx or a deny: never a 5xx, never an allow', { timeout: scale(240_000, 3_600_000) }, async (t) => {
  const seed = fuzzSeed();
  t.diagnostic(`fuzz seed ${seed} (replay with ARRA_FUZZ_SEED=${seed})`);
  // Linked to a running bundled broker as `npm start` is, so the connections routes are fuzzed too.
  const linked: { broker?: RunningBroker } = {};
  const v = await startTestVerifier(t, {
    env: { ARRA_LOG_LEVEL: 'fatal', ARRA_LOCKOUT_SLOW_AFTER: '1000000', ARRA_LOCKOUT_LOCK_AFTER: '1000000' },
    brokerClients: () => linked.broker?.broker,
  });
  const logger = createLogger({ level: 'fatal' });
  const authorizer = createInProcessAuthorizer(v.decider, (listener) => v.store.onChange(listener), logger);
  const broker = (linked.broker = await startBroker(BrokerConfig.parse({ mqttPort: 0, sysInterval: 0, durability: 'memory', dataDir: v.dataDir }), authorizer, { logger }));
  t.after(async () => {
    await broker.close();
    await authorizer.close();
  });
  await v.useCases.createDevice(DeviceCreate.parse({ id: 'fz-dev' }));
  await v.useCases.addCredential('fz-dev', CredentialCreate.parse({ kind: 'password', secret: PASSWORD }));
  const doc = (await http(v.url, 'GET', '/docs/json')).json as Parameters<typeof operations>[0];
  const ops = operations(doc);
  // Decisions first, while the registry holds only the known device; then the admin API mutates it.
  const ordered = [...ops.filter((o) => !o.path.startsWith('/v1/admin')), ...ops.filter((o) => o.path.startsWith('/v1/admin'))];

  const failures: string[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0;
  let decisionAnswers = 0;
  const note = (op: Operation, label: string, answer: HttpAnswer | Error) => {
    requests++;
    if (answer instanceof Error) {
      failures.push(`${op.method} ${op.path} [${label}]: ${answer.name} ${answer.message}`);
      return;
    }
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status >= 500) failures.push(`${op.method} ${op.path} [${label}]: ${answer.status} ${answer.text.slice(0, 200)}`);
    if (isAllow(op.path, answer)) failures.push(`${op.method} ${op.path} [${label}]: ALLOW ${answer.text.slice(0, 200)}`);
    if (op.path.startsWith('/v1/authen') || op.path.startsWith('/v1/authorize') || /^\/(nanomq|go-auth|emqx)\//.test(op.path)) decisionAnswers++;
  };
  const send = (op: Operation, label: string, target: string, contentType: string | undefined, body: string | Buffer | undefined) => {
    const headers: Record<string, string> = { ...(op.path.startsWith('/v1/admin') ? ADMIN_HEADERS : BROKER_HEADERS) };
    if (contentType) headers['content-type'] = contentType;
    // A long poll (`GET /v1/admin/decisions?wait=`) may hold its answer up to its schema's 30 s.
    return http(v.url, op.method, target, { headers, ...(body !== undefined ? { body } : {}), timeoutMs: 40_000 }).then(
      (answer) => note(op, label, answer),
      (err: Error) => note(op, label, err),
    );
  };

  let healthChecks = 0;
  for (const [index, op] of ordered.entries()) {
    const rand = prng(seed + index * 104729);
    const routeStart = performance.now();
    const fields = Object.keys(((op.body?.properties ?? {}) as Record<string, unknown>));
    await pool(PER_ROUTE, 4, async (n) => {
      const target = url(rand, op);
      const body = op.method === 'GET' && n % 2 === 0 ? undefined : JSON.stringify(schemaBody(rand, op.body));
      await send(op, `generated #${n}`, target, body === undefined ? undefined : 'application/json', body);
    });
    for (const hostile of hostileBodies(fields.length ? fields : ['username', 'password', 'clientid'])) {
      await send(op, hostile.name, url(rand, op), hostile.contentType, hostile.body);
    }
    if (process.env.ARRA_FUZZ_TRACE) console.log(op.method, op.path, Math.round(performance.now() - routeStart), 'ms');
    const health = await http(v.url, 'GET', '/healthz');
    healthChecks++;
    if (health.status !== 200) failures.push(`/healthz answered ${health.status} after ${op.method} ${op.path}`);
  }
  const polluted = ['allow', 'superuser', 'isSuperuser'].filter((k) => (({}) as Record<string, unknown>)[k] !== undefined);

  recordResult('http-fuzz', { seed, routes: ordered.length, requests, decisionAnswers, statuses, healthChecks, failures: failures.length, firstFailures: failures.slice(0, 20), polluted });
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers`);
  assert.deepEqual(polluted, [], 'Object.prototype is not polluted');
});
