/**
 * The registry `bench:scale` builds: devices with a certificate fingerprint and two groups each, group
 * rules with placeholders, two rules for everyone and a rule of its own for one device in
 * `DEVICE_RULE_EVERY`. Loaded through the admin API as an operator would: CSV imports of the largest
 * size the route takes, then one `POST /v1/admin/rules` per rule.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'undici';

export const ADMIN_TOKEN = 'bench-scale-admin-token-0123456789';
export const WEBHOOK_SECRET = 'bench-scale-webhook-secret-0123456';
export const FLEETS = 100;
export const REGIONS = 10;
export const DEVICE_RULE_EVERY = 100;
/** The import route's largest batch (`schemas/admin-import.ts`). */
export const IMPORT_BATCH = 100_000;
const RULE_WRITERS = 4;
/** Imported through each measured replica after its decisions: what adding devices to a running fleet costs. */
export const MORE_DEVICES = 10_000;

export const deviceId = (i: number): string => `dev-${i}`;
export const fingerprint = (i: number): string => createHash('sha256').update(deviceId(i)).digest('hex');
const fleet = (i: number): string => `fleet-${i % FLEETS}`;
const region = (i: number): string => `region-${Math.floor(i / 1000) % REGIONS}`;

/** A publish the device's fleet rule allows: every decision measured is an allow. */
export const allowedTopic = (i: number): string => `fleet/${fleet(i)}/${deviceId(i)}/telemetry`;

interface RuleBody {
  subject: { kind: 'device'; id: string } | { kind: 'group'; name: string } | { kind: 'all' };
  action: 'publish' | 'subscribe' | 'all';
  topic: string;
  permission: 'allow' | 'deny';
}

export function sharedRules(): RuleBody[] {
  const rules: RuleBody[] = [];
  for (let f = 0; f < FLEETS; f++) {
    const group = { kind: 'group' as const, name: `fleet-${f}` };
    rules.push({ subject: group, action: 'publish', topic: `fleet/fleet-${f}/\${device}/#`, permission: 'allow' });
    rules.push({ subject: group, action: 'subscribe', topic: `fleet/fleet-${f}/\${device}/commands/#`, permission: 'allow' });
  }
  for (let r = 0; r < REGIONS; r++) {
    rules.push({ subject: { kind: 'group', name: `region-${r}` }, action: 'subscribe', topic: `regions/region-${r}/broadcast/#`, permission: 'allow' });
  }
  rules.push({ subject: { kind: 'all' }, action: 'publish', topic: 'status/${clientid}', permission: 'allow' });
  rules.push({ subject: { kind: 'all' }, action: 'all', topic: 'fleet/+/+/admin/#', permission: 'deny' });
  return rules;
}

export const deviceRule = (i: number): RuleBody => ({
  subject: { kind: 'device', id: deviceId(i) },
  action: 'all',
  topic: `devices/${deviceId(i)}/debug/#`,
  permission: 'allow',
});

/** The CSV the import route (and `arra-mq import`) takes, for devices `from` to `to - 1`. */
export function importCsv(from: number, to: number): string {
  const lines = ['id,groups,cert_fingerprint'];
  for (let i = from; i < to; i++) lines.push(`${deviceId(i)},${fleet(i)};${region(i)},${fingerprint(i)}`);
  return `${lines.join('\n')}\n`;
}

async function admin(pool: Pool, path: string, body: string, contentType: string, status: number): Promise<void> {
  const res = await pool.request({
    method: 'POST',
    path: `/v1/admin${path}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType },
    body,
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });
  const text = await res.body.text();
  if (res.statusCode !== status) throw new Error(`POST ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
}

/** Devices `first` to `end - 1` in imports of `IMPORT_BATCH`; seconds taken. */
export async function importDevices(pool: Pool, first: number, end: number, progress: (line: string) => void): Promise<number> {
  const started = performance.now();
  for (let from = first; from < end; from += IMPORT_BATCH) {
    const to = Math.min(end, from + IMPORT_BATCH);
    await admin(pool, '/import?onConflict=fail', importCsv(from, to), 'text/csv', 201);
    progress(`imported ${(to - first).toLocaleString('en-US')} devices (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  return (performance.now() - started) / 1000;
}

/** The shared rules, then one rule per `DEVICE_RULE_EVERY`th device, `RULE_WRITERS` requests in flight. */
export async function addRules(pool: Pool, devices: number): Promise<{ seconds: number; count: number }> {
  const started = performance.now();
  const shared = sharedRules();
  for (const rule of shared) await admin(pool, '/rules', JSON.stringify(rule), 'application/json', 201);
  let next = 0;
  async function writer(): Promise<void> {
    for (let i = next; i < devices; i = next) {
      next += DEVICE_RULE_EVERY;
      await admin(pool, '/rules', JSON.stringify(deviceRule(i)), 'application/json', 201);
    }
  }
  await Promise.all(Array.from({ length: RULE_WRITERS }, writer));
  return { seconds: (performance.now() - started) / 1000, count: shared.length + Math.ceil(devices / DEVICE_RULE_EVERY) };
}
