/**
 * Test support for the core's tests: an in-memory RegistryStore, a key ring, a settable clock and a
 * logger that keeps its lines. The core is pure, so these stand in for the SQLite store (tested by its
 * owner against a real file); everything cryptographic stays real (jose keys, scrypt).
 *
 * @module verifier/core/test/helpers
 */
import type { TestContext } from 'node:test';
import { createHash } from 'node:crypto';
import { importJWK } from 'jose';
import type { Change } from '../../../schemas/index.js';
import { createDecider, type ManagedDecider } from '../decider.js';
import type { DeciderConfig, DeciderDeps } from '../types.js';
import type {
  AclRule,
  CertificateCredential,
  Clock,
  DeviceRecord,
  ExternalKeyResolver,
  GroupRecord,
  KeyRing,
  Logger,
  PasswordCredential,
  RegistryStore,
  TokenRecord,
} from '../ports.js';
import { generateSigningKey, type GeneratedSigningKey } from '../signing-keys.js';

export class MemoryRegistry implements RegistryStore {
  devices = new Map<string, DeviceRecord>();
  groups = new Map<string, GroupRecord>();
  passwords: PasswordCredential[] = [];
  certificates: CertificateCredential[] = [];
  tokens = new Map<string, TokenRecord>();
  rules: AclRule[] = [];
  /** Set to make every read throw, as a closed database would. */
  broken = false;
  reads = 0;
  private listeners = new Set<(change: Change) => void>();

  private read(): void {
    this.reads++;
    if (this.broken) throw new Error('SQLITE_CANTOPEN: unable to open database file');
  }

  addDevice(id: string, fields: Partial<DeviceRecord> = {}): DeviceRecord {
    const device: DeviceRecord = {
      id,
      groups: [],
      enabled: true,
      disabledReason: null,
      superuser: false,
      requireClientIdMatch: true,
      attributes: {},
      incarnation: `${id}-1`,
      ...fields,
    };
    this.devices.set(id, device);
    return device;
  }

  addRule(rule: Partial<AclRule> & Pick<AclRule, 'topic'>): AclRule {
    const full: AclRule = {
      id: this.rules.length + 1,
      subject: { kind: 'all' },
      action: 'all',
      eq: false,
      qos: null,
      retain: null,
      permission: 'allow',
      priority: 100,
      ...rule,
    };
    this.rules.push(full);
    // As the real store does after its commit: the decider's caches hold rules.
    this.emit(full.subject.kind === 'device' ? { kind: 'device', deviceId: full.subject.id } : { kind: 'all' });
    return full;
  }

  emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  getDevice(id: string) {
    this.read();
    return this.devices.get(id);
  }
  getGroup(name: string) {
    this.read();
    return this.groups.get(name);
  }
  getGroupsByIssuer(issuer: string) {
    this.read();
    return [...this.groups.values()].filter((g) => g.externalIssuer?.issuer === issuer);
  }
  listPasswordCredentials(deviceId: string) {
    this.read();
    return this.passwords.filter((p) => p.deviceId === deviceId);
  }
  listCertificates(deviceId: string) {
    this.read();
    return this.certificates.filter((c) => c.deviceId === deviceId);
  }
  findCertificate(fingerprint: string) {
    this.read();
    return this.certificates.find((c) => c.fingerprint === fingerprint);
  }
  getToken(jti: string) {
    this.read();
    return this.tokens.get(jti);
  }
  rulesFor(device: DeviceRecord | null) {
    this.read();
    const applies = (rule: AclRule) => {
      const s = rule.subject;
      if (device === null) return s.kind === 'anonymous';
      return s.kind === 'all' || (s.kind === 'device' && s.id === device.id) || (s.kind === 'group' && device.groups.includes(s.name));
    };
    return this.rules.filter(applies).sort((a, b) => a.priority - b.priority || a.id - b.id);
  }
  onChange(listener: (change: Change) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class TestClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  now() {
    return this.ms;
  }
  advance(seconds: number) {
    this.ms += seconds * 1000;
  }
}

export interface TestKeys extends KeyRing {
  generated: GeneratedSigningKey;
}

export async function createTestKeyRing(alg: 'EdDSA' | 'ES256' = 'EdDSA'): Promise<TestKeys> {
  const generated = await generateSigningKey(alg);
  const publicKey = (await importJWK(generated.publicJwk, alg)) as CryptoKey;
  const privateKey = (await importJWK(generated.privateJwk, alg)) as CryptoKey;
  return {
    generated,
    verificationKey: (kid) => (kid === generated.kid ? { alg, key: publicKey } : undefined),
    activeSigningKey: () => ({ kid: generated.kid, alg, key: privateKey }),
  };
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export class MemoryLogger implements Logger {
  lines: LogLine[] = [];
  debug(obj: object, msg: string) {
    this.lines.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg: string) {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg: string) {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg: string) {
    this.lines.push({ level: 'error', obj, msg });
  }
  /** Every line as JSON text, for "never logs the secret" assertions. */
  text(): string {
    return this.lines.map((l) => JSON.stringify({ ...l.obj, msg: l.msg }, (_, v) => (v instanceof Error ? String(v) : v))).join('\n');
  }
}

export const ISSUER = 'https://verifier.test';
export const AUDIENCE = 'arra-mq';

export function testConfig(overrides: Partial<DeciderConfig> = {}): DeciderConfig {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 5,
    aclNoMatch: 'deny',
    allowAnonymous: false,
    cacheSize: 100,
    lockout: { windowSeconds: 60, slowAfter: 3, lockAfter: 5, lockSeconds: 300, baseDelayMs: 100, maxDelayMs: 1000, maxTrackedKeys: 1000 },
    ...overrides,
  };
}

export interface Harness {
  registry: MemoryRegistry;
  keys: TestKeys;
  clock: TestClock;
  logger: MemoryLogger;
  sleeps: number[];
  decider: ManagedDecider;
}

/** A decider over fresh in-memory ports; closed after the test. */
export async function createHarness(
  t: TestContext,
  options: { config?: Partial<DeciderConfig>; externalKeys?: ExternalKeyResolver; keys?: TestKeys; onDecision?: DeciderDeps['onDecision'] } = {},
): Promise<Harness> {
  const registry = new MemoryRegistry();
  const keys = options.keys ?? (await createTestKeyRing());
  const clock = new TestClock();
  const logger = new MemoryLogger();
  const sleeps: number[] = [];
  const decider = createDecider({
    registry,
    keys,
    clock,
    logger,
    config: testConfig(options.config),
    externalKeys: options.externalKeys,
    onDecision: options.onDecision,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  t.after(() => decider.close());
  return { registry, keys, clock, logger, sleeps, decider };
}

/** The caller the core tests' acl questions come from (a broker route names itself so). */
export const TEST_CALLER = 'test 127.0.0.1';

/**
 * Authenticates `clientId` as `deviceId` through `caller` with a certificate (cheap: no scrypt),
 * registering one for the device the first time, so later acl questions of that client are about it.
 * `deviceId` null: an anonymous login (the harness must allow anonymous clients).
 */
export async function admit(h: Harness, clientId: string, deviceId: string | null, options: { username?: string; caller?: string } = {}) {
  const request = { clientId, ...(options.username !== undefined && { username: options.username }) };
  if (deviceId === null) return h.decider.authenticate(request, { admitFor: options.caller ?? TEST_CALLER });
  const fingerprint = createHash('sha256').update(deviceId).digest('hex');
  if (!h.registry.certificates.some((c) => c.fingerprint === fingerprint)) {
    h.registry.certificates.push({ kind: 'x509', id: `cert-${deviceId}`, deviceId, fingerprint, subject: null, notAfter: null, revoked: false });
  }
  return h.decider.authenticate({ ...request, certFingerprint: fingerprint }, { admitFor: options.caller ?? TEST_CALLER });
}
