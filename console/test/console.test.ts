/**
 * The console in a real browser (Debian's chromium, headless) against `npm start`'s composition
 * root, with a real MQTT client. Screenshots of each page land in the OS temp dir (path printed).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { startAllInOne, type AllInOne } from '../../runtime/test/all-in-one.js';
import { CONSOLE_PAGES } from '../../verifier/http/console.js';
import { SCREENSHOTS, findChromium, launch, openPage, screenshot, signedIn as signInTo } from './browser.js';

const chromium = findChromium();
const skip = 'skip' in chromium ? chromium.skip : false;
const LONG = { timeout: 600_000 };
const WAIT = { timeout: 30_000 };
let server: AllInOne;
let browser: Browser;

/** One server and one browser for the whole file, closed after its last test. */
const cleanups: Array<() => unknown> = [];
const file = { after: (fn: () => unknown) => void cleanups.push(fn) };

before(async () => {
  if ('skip' in chromium) return;
  server = await startAllInOne(file);
  browser = await launch(file, chromium.path);
}, LONG);
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (!skip) console.log(`console screenshots: ${SCREENSHOTS}`);
}, LONG);

const signedIn = () => signInTo(browser, server);

function connect(port: number, password: string): Promise<{ client: MqttClient; code: number }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'sensor-1', username: 'sensor-1', password, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 20_000 });
    client.once('connect', () => resolve({ client, code: 0 }));
    client.once('error', (err) => resolve({ client, code: (err as Error & { code?: number }).code ?? -1 }));
  });
}

test('a wrong token is refused and the token is kept in session storage only', { skip, ...LONG }, async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/console`);
  await page.fill('input[name=token]', 'not-the-admin-token-at-all');
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#sign-in .notice.error', WAIT);
  assert.match(await page.textContent('#sign-in .notice.error') ?? '', /refused/);
  await screenshot(page, 'sign-in-refused');
  await page.fill('input[name=token]', server.token);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('nav', WAIT);
  assert.equal(await page.evaluate(() => document.cookie), '');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('arra-mq-admin-token')), server.token);
  assert.ok(!page.url().includes(server.token), 'not in the URL');
  await page.close();
});

test('create a device and a rule, explain, watch the client connect, disable it, see it leave and its deny', { skip, ...LONG }, async () => {
  const page = await signedIn();
  await page.fill('#create-device input[name=id]', 'sensor-1');
  await page.fill('#create-device input[name=groups]', 'sensors');
  await page.selectOption('#create-device select[name=credential]', 'password');
  await page.click('#create-device button[type=submit]');
  const password = (await page.textContent('#shown-once code', WAIT))!.trim();
  assert.ok(password.length >= 16, 'the generated password is shown once');
  await page.waitForSelector('tr[data-device="sensor-1"]');
  await screenshot(page, 'devices');

  await openPage(page, 'rules');
  await page.selectOption('#rule-form select[name=subject]', 'device');
  await page.fill('#rule-form input[name=subjectName]', 'sensor-1');
  await page.selectOption('#rule-form select[name=action]', 'all');
  await page.fill('#rule-form input[name=topic]', 'devices/#/bad');
  await page.click('#rule-form button[type=submit]');
  await page.waitForSelector('#rule-form [data-field=topic] .field-error:not(:empty)');
  assert.match(await page.textContent('#rule-form [data-field=topic] .field-error') ?? '', /topic filter/);
  await page.fill('#rule-form input[name=topic]', 'devices/${device}/#');
  await page.click('#rule-form button[type=submit]');
  await page.waitForSelector('tr[data-rule]');
  const ruleId = await page.getAttribute('tr[data-rule]', 'data-rule');
  await screenshot(page, 'rules');

  await openPage(page, 'explain');
  await page.fill('#explain-form input[name=deviceId]', 'sensor-1');
  await page.fill('#explain-form input[name=topic]', 'devices/sensor-1/temp');
  await page.click('#explain-form button[type=submit]');
  await page.waitForSelector('#verdict');
  assert.match(await page.textContent('#verdict') ?? '', /^ALLOW: rule \d+ allowed/);
  assert.equal(await page.getAttribute('tr.outcome-decided', 'data-rule'), ruleId, 'the deciding rule is highlighted');
  await screenshot(page, 'explain');
  await page.selectOption('#explain-form select[name=action]', 'subscribe');
  await page.fill('#explain-form input[name=topic]', 'devices/#');
  await page.click('#explain-form button[type=submit]');
  await page.waitForSelector('#uncovered li:has-text("devices/+/#")');
  assert.match(await page.textContent('#uncovered') ?? '', /devices\/\+\/# except devices\/sensor-1\/# \(no rule matched\), e\.g\. devices\/x/);
  await screenshot(page, 'explain-uncovered');

  const first = await connect(server.mqttPort, password);
  assert.equal(first.code, 0, 'the device connects with its password');
  const kicked = new Promise<number | undefined>((resolve) => first.client.once('disconnect', (packet) => resolve(packet.reasonCode)));
  await openPage(page, 'connections');
  await page.waitForSelector('tr[data-client="sensor-1"]');
  await page.waitForSelector('nav[aria-label="Connection pages"] :text("Page 1")');
  await page.fill('input[name=device]', 'someone-else');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForSelector('text=No clients connected.');
  await page.fill('input[name=device]', 'sensor-1');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForSelector('tr[data-client="sensor-1"]');
  await screenshot(page, 'connections');

  await openPage(page, 'devices');
  await page.click('tr[data-device="sensor-1"] button:has-text("Disable")');
  await page.fill('input[name=disabledReason]', 'lost in the field');
  await page.click('form[aria-label="Disable sensor-1"] button[type=submit]');
  await page.waitForSelector('tr[data-device="sensor-1"] .pill.bad');
  assert.equal(await kicked, 0x87, 'the broker disconnects the disabled device (not authorized)');
  first.client.end(true);
  const again = await connect(server.mqttPort, password);
  again.client.end(true);
  assert.equal(again.code, 0x87, 'and refuses it');

  await openPage(page, 'connections');
  await page.waitForSelector('text=No clients connected.');
  await openPage(page, 'decisions');
  await page.waitForSelector('#decision-rows tr.deny:has-text("disabled"):has-text("sensor-1")');
  await screenshot(page, 'decisions');

  await openPage(page, 'keys');
  await page.waitForSelector('tr[data-kid]');
  await page.click('button:has-text("Rotate signing key")');
  await page.waitForSelector('text=New active key');
  assert.equal(await page.locator('tr[data-kid]').count(), 2);
  await page.waitForSelector('a[download="arra-device-ca.pem"]');
  await screenshot(page, 'keys');
  await page.close();
});

test('HTML and script in attributes and reasons are shown as text, never run', { skip, ...LONG }, async () => {
  const attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
  const created = await server.admin('/v1/admin/devices', { method: 'POST', body: { id: 'xss-1', attributes: { note: attack }, enabled: false, disabledReason: attack } });
  assert.equal(created.status, 201);
  const markupId = await server.admin('/v1/admin/devices', { method: 'POST', body: { id: '<b>x</b>' } });
  assert.equal(markupId.status, 400, 'a device id cannot carry markup at all');
  const page = await signedIn();
  const row = await page.waitForSelector('tr[data-device="xss-1"]');
  assert.ok((await row.textContent())!.includes(attack), 'the attribute is shown as its text');
  assert.equal(await row.$('img'), null);
  await page.click('tr[data-device="xss-1"] button.link');
  await page.waitForSelector('#device-detail');
  await openPage(page, 'explain');
  await page.fill('#explain-form input[name=deviceId]', 'xss-1');
  await page.fill('#explain-form input[name=topic]', 'a');
  await page.click('#explain-form button[type=submit]');
  await page.waitForSelector('#verdict');
  assert.ok((await page.textContent('#verdict'))!.includes(attack));
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  await page.close();
});

test('keyboard only: sign in, reach every page by Tab and Enter; on a phone nothing overflows sideways', { skip, ...LONG }, async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  page.setDefaultTimeout(30_000);
  await page.goto(`${server.url}/console`);
  await page.keyboard.type(server.token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('nav a[aria-current=page]');
  for (const name of CONSOLE_PAGES) {
    await page.focus(`nav a[data-page=${name}]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`nav a[data-page=${name}][aria-current=page]`);
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: ${overflow}px wider than the phone`);
  }
  await screenshot(page, 'phone-keys');
  await page.close();
});

test('edit and remove a rule, revoke a credential and remove a device', { skip, ...LONG }, async () => {
  await server.admin('/v1/admin/devices', { method: 'POST', body: { id: 'spare-1' } });
  const cred = await (await server.admin('/v1/admin/devices/spare-1/credentials', { method: 'POST', body: { kind: 'password' } })).json();
  const rule = await (await server.admin('/v1/admin/rules', { method: 'POST', body: { subject: { kind: 'device', id: 'spare-1' }, action: 'publish', topic: 'spare/#', permission: 'allow' } })).json();
  const page = await signedIn();
  page.on('dialog', (dialog) => dialog.accept());
  await page.click('tr[data-device="spare-1"] button.link');
  await page.click(`#device-detail button:has-text("Revoke")`);
  await page.waitForSelector('#device-detail td:has-text("revoked")');
  const detail = await (await server.admin('/v1/admin/devices/spare-1')).json();
  assert.equal(detail.credentials.find((c: { id: string }) => c.id === cred.credential.id).revoked, true);

  await openPage(page, 'rules');
  await page.click(`tr[data-rule="${rule.id}"] button:has-text("Edit")`);
  await page.fill('#rule-form input[name=priority]', '7');
  await page.click('#rule-form button[type=submit]');
  await page.waitForSelector(`tr[data-rule="${rule.id}"] td:nth-child(2):has-text("7")`);
  await page.click(`tr[data-rule="${rule.id}"] button:has-text("Remove")`);
  await page.waitForSelector(`tr[data-rule="${rule.id}"]`, { state: 'detached' });
  assert.equal((await server.admin(`/v1/admin/rules/${rule.id}`)).status, 404);

  await openPage(page, 'devices');
  await page.click('tr[data-device="spare-1"] button:has-text("Remove")');
  await page.waitForSelector('tr[data-device="spare-1"]', { state: 'detached' });
  assert.equal((await server.admin('/v1/admin/devices/spare-1')).status, 404);
  await page.close();
});

test('every console page and asset carries the CSP; the shell has no inline script', { skip, ...LONG }, async () => {
  const paths = ['/console', ...CONSOLE_PAGES.map((p) => `/console/${p}`), '/console/assets/app.js', '/console/assets/style.css'];
  for (const path of paths) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200, path);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/, path);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.ok(res.headers.get('etag'), path);
    const body = await res.text();
    if (path === '/console') assert.doesNotMatch(body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  }
  const shell = await fetch(`${server.url}/console`);
  const revalidated = await fetch(`${server.url}/console`, { headers: { 'if-none-match': shell.headers.get('etag')! } });
  assert.equal(revalidated.status, 304);
  assert.equal((await fetch(`${server.url}/console/assets/nope.js`)).status, 404);
});

test('Devices pages through more than one page by keyboard, searches inside ids and filters by status', { skip, ...LONG }, async () => {
  const ids = Array.from({ length: 60 }, (_, n) => `lot-${String(n).padStart(3, '0')}`);
  for (const id of ids) assert.equal((await server.admin('/v1/admin/devices', { method: 'POST', body: { id, enabled: id !== 'lot-007' && id !== 'lot-051' } })).status, 201);
  const page = await signedIn();
  const rows = () => page.locator('tr[data-device]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')));
  await page.focus('input[name=search]');
  await page.keyboard.type('lot-');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-device^="lot-"]').length === 50);
  assert.deepEqual(await rows(), ids.slice(0, 50));
  assert.equal(await page.isDisabled('button:has-text("Previous")'), true);
  await page.focus('button:has-text("Next")');
  await page.keyboard.press('Enter');
  await page.waitForSelector('nav[aria-label="Device pages"] :text("Page 2")');
  assert.deepEqual(await rows(), ids.slice(50));
  assert.equal(await page.isDisabled('button:has-text("Next")'), true, 'the last page');
  await screenshot(page, 'devices-page-2');
  await page.click('button:has-text("Previous")');
  await page.waitForSelector('nav[aria-label="Device pages"] :text("Page 1")');
  assert.deepEqual(await rows(), ids.slice(0, 50));

  await page.fill('input[name=search]', 't-05');
  await page.press('input[name=search]', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-device]').length === 10);
  assert.deepEqual(await rows(), ids.slice(50), 'a part of the id, not only its start');
  await page.fill('input[name=search]', 'lot');
  await page.selectOption('select[name=enabled]', 'false');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-device]').length === 2);
  assert.deepEqual(await rows(), ['lot-007', 'lot-051'], 'the status filter applies across pages, not to one page');
  await page.close();
});
