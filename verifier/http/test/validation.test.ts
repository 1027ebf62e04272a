import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { AuthenticateRequest, AuthorizeRequest, RightsRequest } from '../../../schemas/index.js';
import { compileCheck } from '../validation.js';

const long = 'x'.repeat(65_536);
const authorize = { deviceId: 'dev-1', clientId: 'dev-1', username: 'dev-1', action: 'publish', topic: 'a/b', qos: 1, retain: false };
const authenticate = { clientId: 'dev-1', username: 'dev-1', password: 'secret', peerAddress: '192.0.2.1', protocol: 'mqtt5', recheck: false, answerWithinMs: 2000 };

/** Each body with one field changed, removed or added: what a broker, a bug or an attacker may send. */
function variants(base: Record<string, unknown>): unknown[] {
  const odd = [undefined, null, '', 'a', '.', '..', 'dev 1', long, '😀'.repeat(40_000), 0, -1, 1.5, 2, 3, 600_001, Number.MAX_SAFE_INTEGER + 2, true, [], {}, 'mqtt5', 'subscribe'];
  const out: unknown[] = [base, null, [], 'text', 1, { ...base, extra: 1 }, { ...base, constructor: {} }, Object.assign(Object.create(null), base)];
  for (const key of Object.keys(base)) {
    const { [key]: _dropped, ...without } = base;
    out.push(without);
    for (const value of odd) out.push({ ...base, [key]: value });
  }
  return out;
}

for (const [name, schema, base] of [
  ['authorize', AuthorizeRequest, authorize],
  ['authenticate', AuthenticateRequest, authenticate],
  ['rights', RightsRequest, { clientId: 'dev-1', deviceId: 'dev-1', incarnation: 'dev-1-1', username: 'dev-1' }],
] as const) {
  test(`the compiled check of the ${name} body accepts only what zod accepts unchanged, and the usual body`, () => {
    const accepts = compileCheck(schema as z.ZodType);
    let accepted = 0;
    for (const body of variants(base)) {
      if (!accepts(body)) continue;
      accepted++;
      const parsed = (schema as z.ZodType).safeParse(body);
      assert.ok(parsed.success, `zod refuses ${JSON.stringify(body)?.slice(0, 200)}`);
      assert.deepEqual(parsed.data, body);
    }
    assert.ok(accepts(base), 'the usual body takes the compiled path');
    assert.ok(accepted > 1);
  });
}

test('what the compiled check does not know is left to zod', () => {
  const cases: Array<[z.ZodType, unknown]> = [
    [AuthenticateRequest, { clientId: 'dev-1', certFingerprint: 'AB:'.repeat(31) + 'AB' }],
    [z.object({ a: z.string() }), { a: 'x' }],
    [z.object({ a: z.string().default('x') }).strict(), { a: 'x' }],
    [z.object({ a: z.string().email() }).strict(), { a: 'a@b.example' }],
    [z.object({ a: z.string() }).strict().refine(() => false), { a: 'x' }],
    [z.object({ a: z.string().min(2) }).strict(), { a: '😀x' }],
    [z.object({ a: z.string().max(1) }).strict(), { a: '😀' }],
  ];
  for (const [schema, body] of cases) assert.equal(compileCheck(schema)(body), false, JSON.stringify(body));
});
