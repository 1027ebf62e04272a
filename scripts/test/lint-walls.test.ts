/**
 * The import walls in eslint.config.js bite: each forbidden import below is refused, each allowed one
 * passes (files need not exist: ESLint lints the text under that name).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const WALL_RULES = new Set(['no-restricted-imports', '@typescript-eslint/no-restricted-imports', 'no-restricted-properties']);

const refused: [file: string, code: string][] = [
  ['verifier/core/decide.ts', "import '../store/db.js';"],
  ['verifier/core/credentials/jwt.ts', "import '../../http/app.js';"],
  ['verifier/core/decide.ts', "import 'node:fs';"],
  ['verifier/core/decide.ts', "import '../../broker/broker.js';"],
  ['verifier/core/decide.ts', 'export const level = process.env.LEVEL;'],
  ['verifier/store/devices.ts', "import '../http/app.js';"],
  ['verifier/store/devices.ts', "import '../admin/devices.js';"],
  ['verifier/store/devices.ts', "import 'fastify';"],
  ['broker/session/store.ts', "import type { Decider } from '../../verifier/core/index.js';"],
  ['broker/broker.ts', "import 'better-sqlite3';"],
  ['broker-adapters/nanomq/map.ts', "import '../../verifier/store/index.js';"],
  ['broker-adapters/nanomq/map.ts', "import '../../broker/broker.js';"],
  ['schemas/admin.ts', "import '../verifier/core/index.js';"],
  ['rules/topic.ts', "import '../schemas/index.js';"],
  ['logging/logger.ts', "import '../verifier/config.js';"],
  ['verifier/http/app.ts', "import '../../runtime/start.js';"],
  ['lxc/lib/deploy.ts', "import '../../scripts/config-table.js';"],
  ['broker/routing/router.ts', "import '../../rules/topic.js';"],
  ['broker-adapters/nanomq/routes.ts', "import type { Decider } from '../../verifier/core/types.js';"],
  ['verifier/http/routes/decisions.ts', "import { outwardDeny } from '../../core/outward.js';"],
  ['runtime/verifier.ts', "import '../verifier/core/decider.js';"],
  ['rules/acl.ts', "import 'zod';"],
  ['rules/address-list.ts', "import 'node:fs';"],
  ['schemas/admin.ts', "import 'fastify';"],
  ['logging/logger.ts', "import 'undici';"],
];

const allowed: [file: string, code: string][] = [
  ['verifier/core/decide.ts', "import '../../schemas/index.js'; import '../../rules/index.js'; import 'jose'; import 'node:crypto';"],
  ['broker/session/store.ts', "import '../../rules/index.js'; import '../../logging/logger.js';"],
  ['broker/persistence/sqlite.ts', "import 'better-sqlite3';"],
  ['broker-adapters/nanomq/map.ts', "import '../../verifier/core/index.js'; import 'fastify';"],
  ['schemas/admin.ts', "import '../rules/index.js'; import 'zod';"],
  ['logging/logger.ts', "import './log-limiter.js'; import 'pino'; import 'node:stream';"],
  ['rules/address-list.ts', "import 'node:net';"],
  ['verifier/core/decider.ts', "import '../../logging/log-limiter.js';"],
  ['runtime/start.ts', "import '../verifier/store/index.js'; import '../broker/broker.js';"],
  ['verifier/core/test/decide.test.ts', "import '../../store/index.js';"],
];

async function wallMessages(file: string, code: string): Promise<string[]> {
  const [result] = await new ESLint().lintText(`${code}\nexport {};\n`, { filePath: file });
  return result!.messages.filter((m) => m.ruleId !== null && WALL_RULES.has(m.ruleId)).map((m) => m.message);
}

test('every import across a wall is refused by the linter', async () => {
  for (const [file, code] of refused) {
    assert.notDeepEqual(await wallMessages(file, code), [], `${file}: ${code}`);
  }
});

test('the imports the architecture allows pass the linter', async () => {
  for (const [file, code] of allowed) {
    assert.deepEqual(await wallMessages(file, code), [], `${file}: ${code}`);
  }
});
