/**
 * `lazyChildLoggers`: a request that logs nothing costs no pino child; one that logs writes the same
 * lines as Fastify's own child (its request id, the scope's serializers, the route's level).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { lazyChildLoggers } from '../lazy-child.js';
import { createLogger } from '../logger.js';

function capture(): { lines: Array<Record<string, unknown>>; log: ReturnType<typeof createLogger>; children: () => number } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger({ level: 'info', destination, journal: false });
  let made = 0;
  const child = log.child.bind(log);
  log.child = ((...args: Parameters<typeof log.child>) => {
    made++;
    return child(...args);
  }) as typeof log.child;
  return { lines, log, children: () => made };
}

async function appWith(parent: FastifyBaseLogger, own?: FastifyBaseLogger) {
  const app = Fastify({ loggerInstance: parent, logController: new LogController({ disableRequestLogging: true }) });
  await app.register(
    async (scope) => {
      scope.setChildLoggerFactory(lazyChildLoggers(own));
      scope.get('/quiet', async () => ({ ok: true }));
      scope.get('/loud', async (request) => {
        request.log.info({ device: { id: 'd1', secret: 's3cret' } }, 'told');
        request.log.error({ n: 2 }, 'failed');
        return { ok: true };
      });
      scope.get('/warn-only', { logLevel: 'warn' }, async (request) => {
        request.log.info('hidden');
        request.log.warn('shown');
        return { ok: true };
      });
    },
    { logSerializers: { device: (device: { id: string }) => `device ${device.id}` } },
  );
  return app;
}

test('a request that logs nothing makes no child logger', async () => {
  const { log, children } = capture();
  const app = await appWith(log as FastifyBaseLogger);
  await app.ready();
  const before = children();
  for (let i = 0; i < 5; i++) assert.equal((await app.inject('/quiet')).statusCode, 200);
  assert.equal(children() - before, 0);
  await app.close();
});

test('a request that logs writes its request id, through the scope serializers, once per request', async () => {
  const { log, lines, children } = capture();
  const app = await appWith(log as FastifyBaseLogger);
  await app.ready();
  const before = children();
  await app.inject('/loud');
  await app.inject('/loud');
  assert.equal(children() - before, 2, 'one child per logging request, made at its first line');
  const told = lines.filter((line) => line.msg === 'told');
  assert.equal(told.length, 2);
  assert.ok(told.every((line) => typeof line.reqId === 'string'), 'each line names its request');
  assert.notEqual(told[0]!.reqId, told[1]!.reqId);
  assert.equal(told[0]!.device, 'device d1', 'the scope serializer applies');
  const failed = lines.find((line) => line.msg === 'failed')!;
  assert.equal(failed.level, 50);
  assert.equal(failed.reqId, told[0]!.reqId, 'both lines of a request share its child');
  await app.close();
});

test("a route's own level still applies", async () => {
  const { log, lines } = capture();
  const app = await appWith(log as FastifyBaseLogger);
  await app.inject('/warn-only');
  assert.deepEqual(
    lines.map((line) => line.msg),
    ['shown'],
  );
  await app.close();
});

test('lines go to the logger the scope names, when it names one', async () => {
  const fastify = capture();
  const own = capture();
  const app = await appWith(fastify.log as FastifyBaseLogger, own.log as FastifyBaseLogger);
  await app.inject('/loud');
  assert.deepEqual(fastify.lines, []);
  assert.deepEqual(
    own.lines.map((line) => line.msg),
    ['told', 'failed'],
  );
  await app.close();
});
