/**
 * The console's Connections page as the LXC deployment runs it: a standalone verifier and a standalone
 * broker (two processes), a real MQTT client, Debian's chromium.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { startStandalone } from '../../runtime/test/standalone.js';
import { findChromium, launch, openPage, screenshot, signedIn } from './browser.js';

const chromium = findChromium();
const skip = 'skip' in chromium ? chromium.skip : false;

test('Connections from a standalone verifier: the client appears, Disconnect ends it, a stopped broker is said so', { skip, timeout: 600_000 }, async (t) => {
  if ('skip' in chromium) return;
  const server = await startStandalone(t);
  await server.admin('/v1/admin/devices', { method: 'POST', body: { id: 'meter-1' } });
  await server.admin('/v1/admin/devices/meter-1/credentials', { method: 'POST', body: { kind: 'password', secret: 'correct horse battery' } });
  const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: 'meter-1', username: 'meter-1', password: 'correct horse battery', protocolVersion: 5, reconnectPeriod: 0 });
  t.after(() => client.end(true));
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  const kicked = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));

  const browser = await launch(t, chromium.path);
  const page = await signedIn(browser, server);
  await openPage(page, 'connections');
  await page.waitForSelector('tr[data-client="meter-1"]');
  await screenshot(page, 'connections-standalone');
  await page.click('tr[data-client="meter-1"] button:has-text("Disconnect")');
  assert.equal(await kicked, 0x98, 'administrative action');
  await page.waitForSelector('text=No clients connected.');

  await server.stopBroker();
  const alert = await page.waitForSelector('[role=alert]:has-text("did not answer")', { timeout: 30_000 });
  assert.match((await alert.textContent()) ?? '', /broker-control\.sock/);
  assert.equal(await page.locator('tr[data-client]').count(), 0, 'no stale rows while the broker is away');
  await page.close();
});
