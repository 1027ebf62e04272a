/**
 * The demo is documentation that runs: it must pass on a machine with mosquitto-clients, and fail
 * loudly when an expectation breaks.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const hasMosquittoClients = spawnSync('sh', ['-c', 'command -v mosquitto_pub && command -v mosquitto_sub && command -v openssl']).status === 0;

test('the demo shows delivery, a refused subscribe, a refused password and a disconnected device', { skip: !hasMosquittoClients && 'mosquitto-clients or openssl missing' }, () => {
  const run = spawnSync('bash', ['scripts/demo.sh'], { encoding: 'utf8', timeout: 120_000 });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output);
  for (const step of ['1. An allowed publish is delivered', '2. A denied subscribe is refused', '3. A wrong password is refused', '4. A revoked device is disconnected', 'Demo complete']) {
    assert.ok(output.includes(step), `missing step "${step}":\n${output}`);
  }
  assert.match(output, /camera-1 received: devices\/sensor-1\/telemetry \{"t":21.5\}/);
});
