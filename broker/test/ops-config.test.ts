/**
 * The broker configuration: defaults, environment, and the ARRA_BROKER_CONFIG file on top; every bad
 * value is named with its variable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadBrokerConfig } from '../config.js';
import { BrokerConfigError } from '../errors.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('with no variables the broker listens on 127.0.0.1:1883 only', () => {
  const config = loadBrokerConfig({});
  assert.equal(config.bind, '127.0.0.1');
  assert.equal(config.mqttPort, 1883);
  assert.equal(config.tlsPort, null);
  assert.equal(config.wsPort, null);
  assert.equal(config.metricsPort, null);
  assert.deepEqual(config.verifierUrl, ['http://127.0.0.1:8080']);
});

test('environment variables override defaults, and empty ones count as unset', () => {
  const config = loadBrokerConfig({ ARRA_MQTT_PORT: '1884', ARRA_WS_PORT: '', ARRA_MQTT_TLS_PORT: '8883', ARRA_TLS_REJECT_UNAUTHORIZED: 'false', ARRA_CONNECT_RATE: '5' });
  assert.equal(config.mqttPort, 1884);
  assert.equal(config.wsPort, null);
  assert.equal(config.tlsPort, 8883);
  assert.equal(config.tlsRejectUnauthorized, false);
  assert.equal(config.connectRate, 5);
});

test('ARRA_VERIFIER_URL is one URL or a comma list of replicas, each checked', () => {
  assert.deepEqual(loadBrokerConfig({ ARRA_VERIFIER_URL: 'http://10.0.0.11:8080, https://10.0.0.12:8443/' }).verifierUrl, ['http://10.0.0.11:8080', 'https://10.0.0.12:8443/']);
  assert.throws(() => loadBrokerConfig({ ARRA_VERIFIER_URL: 'http://10.0.0.11:8080,not a url' }), { code: BrokerConfigError.code, message: /verifierUrl\.1 \(ARRA_VERIFIER_URL\)/ });
  assert.throws(() => loadBrokerConfig({ ARRA_VERIFIER_URL: ',' }), /ARRA_VERIFIER_URL/);
});

test('the ARRA_BROKER_CONFIG file overrides the environment', (t) => {
  const file = join(tempDir(t), 'broker.json');
  writeFileSync(file, JSON.stringify({ mqttPort: 1999, maxConnections: 10 }));
  const config = loadBrokerConfig({ ARRA_BROKER_CONFIG: file, ARRA_MQTT_PORT: '1884', ARRA_MAX_CONNECTIONS: '500' });
  assert.equal(config.mqttPort, 1999);
  assert.equal(config.maxConnections, 10);
});

test('bad values are refused with every offending variable named', (t) => {
  assert.throws(() => loadBrokerConfig({ ARRA_MQTT_PORT: '70000', ARRA_AUTHORIZER: 'magic' }), (err: BrokerConfigError) => {
    assert.equal(err.code, 'ERR_BROKER_CONFIG');
    assert.match(err.message, /ARRA_MQTT_PORT/);
    assert.match(err.message, /ARRA_AUTHORIZER/);
    return true;
  });
  const file = join(tempDir(t), 'broker.json');
  writeFileSync(file, JSON.stringify({ unknownKey: 1 }));
  assert.throws(() => loadBrokerConfig({ ARRA_BROKER_CONFIG: file }), { code: 'ERR_BROKER_CONFIG' });
  writeFileSync(file, '[1]');
  assert.throws(() => loadBrokerConfig({ ARRA_BROKER_CONFIG: file }), { code: 'ERR_BROKER_CONFIG' });
});

test('the PROXY protocol is off by default, and on per listener with the balancers named', () => {
  assert.deepEqual(loadBrokerConfig({}).proxyProtocol, []);
  const config = loadBrokerConfig({ ARRA_PROXY_PROTOCOL: 'tcp, tls', ARRA_PROXY_TRUSTED: '10.0.0.0/8,192.0.2.7,fd00::/8' });
  assert.deepEqual(config.proxyProtocol, ['tcp', 'tls']);
  assert.deepEqual(config.proxyTrusted, ['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
});

test('the PROXY protocol without trusted balancers, an unknown listener or a bad CIDR stops the start, naming the variable', () => {
  assert.throws(() => loadBrokerConfig({ ARRA_PROXY_PROTOCOL: 'tcp' }), (err: Error) => err instanceof BrokerConfigError && /ARRA_PROXY_TRUSTED/.test(err.message));
  assert.throws(() => loadBrokerConfig({ ARRA_PROXY_PROTOCOL: 'udp', ARRA_PROXY_TRUSTED: '10.0.0.1' }), /ARRA_PROXY_PROTOCOL/);
  for (const bad of ['10.0.0.0/33', 'balancer.local', '10.0.0.0/8x', '::1/129']) {
    assert.throws(() => loadBrokerConfig({ ARRA_PROXY_PROTOCOL: 'tcp', ARRA_PROXY_TRUSTED: bad }), /ARRA_PROXY_TRUSTED.*IP address or a CIDR/, bad);
  }
});
