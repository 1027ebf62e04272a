/**
 * Debian's HAProxy in front of the broker (TCP mode, `send-proxy` and `send-proxy-v2`), the broker
 * with the real verifier in-process: devices connecting through HAProxy from their own 127.0.0.x are
 * seen with that address, so the lockout counts per device address (a guesser behind the balancer
 * locks only its own address) and a connection that skips the balancer is refused. Skipped with the
 * reason when HAProxy is not installed (`.ci/run` installs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import mqttPacket from 'mqtt-packet';
import type { AuthenticateRequest } from '../../schemas/index.js';
import { createInProcessAuthorizer } from '../authorizers/in-process.js';
import { canConnect, freePort } from '../../verifier/test/net.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { runBroker } from './ops-helpers.js';
import { CredentialCreate, DeviceCreate } from '../../schemas/admin.js';

const HAPROXY = '/usr/sbin/haproxy';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-haproxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** HAProxy in TCP mode: one frontend per PROXY version, both forwarding to the broker. */
async function startHaproxy(t: TestContext, brokerPort: number): Promise<{ v1: number; v2: number }> {
  const ports = { v1: await freePort(), v2: await freePort() };
  const config = join(tempDir(t), 'haproxy.cfg');
  writeFileSync(config, [
    'global', '  maxconn 256',
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s',
    `frontend v1`, `  bind 127.0.0.1:${ports.v1}`, '  default_backend broker-v1',
    `frontend v2`, `  bind 127.0.0.1:${ports.v2}`, '  default_backend broker-v2',
    'backend broker-v1', `  server broker 127.0.0.1:${brokerPort} send-proxy`,
    'backend broker-v2', `  server broker 127.0.0.1:${brokerPort} send-proxy-v2`,
    '',
  ].join('\n'));
  const child = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => {
    child.kill('SIGKILL');
  });
  for (const port of Object.values(ports)) {
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`HAProxy did not listen on ${port}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return ports;
}

/** One MQTT 3.1.1 CONNECT from `localAddress`: the CONNACK return code, or 'closed' without one. */
function connectFrom(port: number, localAddress: string, username: string, password: string): Promise<number | 'closed'> {
  const frame = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: username, keepalive: 30, username, password: Buffer.from(password) });
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port, localAddress }, () => socket.write(frame));
    const timer = setTimeout(() => finish('closed'), 5000);
    function finish(outcome: number | 'closed') {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    }
    socket.once('data', (data: Buffer) => finish(data[0] === 0x20 ? data[3]! : 'closed'));
    socket.once('close', () => finish('closed'));
    socket.once('error', () => finish('closed'));
  });
}

test('through HAProxy (PROXY v1 and v2) devices are seen with their own 127.0.0.x, and the lockout counts per device address', { skip: existsSync(HAPROXY) ? false : `${HAPROXY} is missing: apt-get install haproxy` }, async (t) => {
  const verifier = await startTestVerifier(t, {
    env: { ARRA_LOCKOUT_SLOW_AFTER: '100', ARRA_LOCKOUT_LOCK_AFTER: '3' },
    async provision(admin) {
      for (const id of ['dev-a', 'dev-b']) {
        await admin.createDevice(DeviceCreate.parse({ id }));
        await admin.addCredential(id, CredentialCreate.parse({ kind: 'password', secret: `${id}-password` }));
      }
    },
  });
  const seen: string[] = [];
  const inProcess = createInProcessAuthorizer(verifier.decider, (listener) => verifier.store.onChange(listener));
  const authorizer = {
    ...inProcess,
    authenticate(request: AuthenticateRequest) {
      seen.push(`${request.username} from ${request.peerAddress}`);
      return inProcess.authenticate(request);
    },
  };
  const broker = await runBroker(t, authorizer, { mqttPort: 0, proxyProtocol: ['tcp'], proxyTrusted: ['127.0.0.1'] });
  const haproxy = await startHaproxy(t, broker.ports.mqtt);

  assert.equal(await connectFrom(haproxy.v1, '127.0.0.2', 'dev-a', 'dev-a-password'), 0, 'dev-a through send-proxy');
  assert.equal(await connectFrom(haproxy.v2, '127.0.0.3', 'dev-b', 'dev-b-password'), 0, 'dev-b through send-proxy-v2');
  assert.deepEqual(seen, ['dev-a from 127.0.0.2', 'dev-b from 127.0.0.3']);

  // A guesser at 127.0.0.4 behind the same balancer, naming devices that do not exist.
  for (let i = 0; i < 3; i++) assert.equal(await connectFrom(haproxy.v2, '127.0.0.4', `nobody-${i}`, 'guess-password'), 4, 'bad user name or password');
  assert.equal(await connectFrom(haproxy.v1, '127.0.0.4', 'dev-b', 'dev-b-password'), 5, 'its own address is locked out (not authorized), right password or not');
  assert.equal(await connectFrom(haproxy.v1, '127.0.0.3', 'dev-b', 'dev-b-password'), 0, 'a device at another address behind the balancer is not');
  assert.equal(await connectFrom(haproxy.v2, '127.0.0.2', 'dev-a', 'dev-a-password'), 0);
  assert.deepEqual(verifier.decider.stats().lockedAddresses, 1);

  assert.equal(await connectFrom(broker.ports.mqtt, '127.0.0.2', 'dev-a', 'dev-a-password'), 'closed', 'skipping the balancer: not a trusted address');
});
