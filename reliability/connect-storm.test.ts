/**
 * Connect storm: thousands of devices with JWTs reconnecting at once against the bundled broker, once
 * with the HTTP authorizer (broker → verifier over HTTP) and once with the in-process one. Every
 * legitimate device must get CONNACK 0 and every forged token (a signature from another key under the
 * verifier's kid) CONNACK 4; anything else is a wrong decision. The load is raw sockets + mqtt-packet
 * so the client side is not the bottleneck; the time to reconnect them all goes to RELIABILITY.md.
 *
 * @module reliability/connect-storm
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import type { Authorizer } from '../broker/authorizer.js';
import { createHttpAuthorizer } from '../broker/authorizers/http.js';
import { createInProcessAuthorizer } from '../broker/authorizers/in-process.js';
import { BrokerConfig } from '../broker/config.js';
import { startBroker } from '../broker/start.js';
import { pool, recordResult, scale } from './harness.js';
import { connectOnce, type ConnectOutcome } from './mqtt-raw.js';
import { startTestVerifier, WEBHOOK_SECRET, type TestVerifier } from '../verifier/test/test-verifier.js';
import { ImportBody } from '../schemas/admin.js';

const DEVICES = Number(process.env.ARRA_STORM_DEVICES ?? scale(4000, 10_000));
const FORGED = Math.max(100, Math.floor(DEVICES / 20));
/** Sockets in flight at once: well inside the fd limit, enough to keep both sides busy. */
const IN_FLIGHT = 400;

interface Device {
  id: string;
  token: string;
  forged: boolean;
}

async function provision(v: TestVerifier): Promise<Device[]> {
  const ids = Array.from({ length: DEVICES + FORGED }, (_, i) => `storm-${String(i).padStart(6, '0')}`);
  await v.useCases.importDevices(ImportBody.parse({ devices: ids.map((id) => ({ id })) }));
  const signing = v.useCases.keys.activeSigningKey();
  const forger = generateKeyPairSync('ed25519').privateKey;
  const now = Math.floor(Date.now() / 1000);
  const devices: Device[] = [];
  for (const [i, id] of ids.entries()) {
    if (i < DEVICES) {
      devices.push({ id, token: (await v.issueToken(id, 3600)).token, forged: false });
    } else {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid: signing.kid, typ: 'JWT' })
        .setIssuer(v.config.issuer).setAudience(v.config.audience).setSubject(id)
        .setIssuedAt(now).setExpirationTime(now + 3600).setJti(`forged-${i}`)
        .sign(forger);
      devices.push({ id, token, forged: true });
    }
  }
  return devices;
}

/** Connects every device once, all at once (bounded in flight); returns the wrong decisions and timing. */
async function wave(port: number, devices: Device[]) {
  const codes: Record<string, number> = {};
  const wrong: Array<{ id: string; forged: boolean; outcome: ConnectOutcome }> = [];
  const started = performance.now();
  await pool(devices.length, IN_FLIGHT, async (i) => {
    const device = devices[i]!;
    const outcome = await connectOnce(port, { clientId: device.id, username: device.id, password: device.token, timeoutMs: 30_000 });
    codes[String(outcome)] = (codes[String(outcome)] ?? 0) + 1;
    const right = device.forged ? outcome === 4 : outcome === 0;
    if (!right) wrong.push({ id: device.id, forged: device.forged, outcome });
  });
  const ms = Math.round(performance.now() - started);
  return { ms, perSecond: Math.round((devices.length * 1000) / ms), codes, wrong: wrong.length, firstWrong: wrong.slice(0, 5) };
}

async function storm(t: TestContext, name: string, makeAuthorizer: (v: TestVerifier) => Authorizer) {
  const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'warn', ARRA_LOCKOUT_SLOW_AFTER: '1000000', ARRA_LOCKOUT_LOCK_AFTER: '1000000' } });
  const provisionStart = performance.now();
  const devices = await provision(v);
  const provisionMs = Math.round(performance.now() - provisionStart);
  const authorizer = makeAuthorizer(v);
  t.after(() => authorizer.close());
  const config = BrokerConfig.parse({ mqttPort: 0, sysInterval: 0, durability: 'memory', connectRate: 1_000_000, connectRateGlobal: 1_000_000, maxPendingPerAddress: 100_000, authorizerConnections: 32 });
  const broker = await startBroker(config, authorizer, { logger: pino({ level: 'silent' }) });
  t.after(() => broker.close());

  const first = await wave(broker.ports.mqtt, devices);
  const reconnect = await wave(broker.ports.mqtt, devices);
  recordResult(`connect-storm-${name}`, { devices: DEVICES, forged: FORGED, inFlight: IN_FLIGHT, provisionMs, first, reconnect, decisionsChecked: 2 * devices.length });
  assert.equal(first.wrong, 0, `wrong decisions in the first wave: ${JSON.stringify(first.firstWrong)}`);
  assert.equal(reconnect.wrong, 0, `wrong decisions on reconnect: ${JSON.stringify(reconnect.firstWrong)}`);
}

test(`${DEVICES} devices reconnecting at once through the HTTP authorizer all get in, every forged token is refused`, { timeout: scale(240_000, 1_800_000) }, async (t) => {
  await storm(t, 'http', (v) => createHttpAuthorizer({ url: v.url, secret: WEBHOOK_SECRET, timeoutMs: 10_000, connections: 32, changeFeed: false }));
});

test(`${DEVICES} devices reconnecting at once through the in-process authorizer all get in, every forged token is refused`, { timeout: scale(240_000, 1_800_000) }, async (t) => {
  await storm(t, 'in-process', (v) => createInProcessAuthorizer(v.decider, (listener) => v.store.onChange(listener)));
});
