/**
 * The devices and rules the captured requests talk about, provisioned through the real store.
 * Capture passwords (`pw`, `p1`, `secret`, ...) are shorter than the registry's 8-character minimum,
 * so no registered device can hold them: every captured password CONNECT is a deny, and the allow
 * paths of CONNECT are proven with provisioned passwords (`LONG_PASSWORD`) and certificates instead.
 *
 * @module broker-adapters/test/fixtures
 */
import { randomBytes } from 'node:crypto';
import type { AclAction, Permission } from '../../schemas/index.js';
import type { Store } from '../../verifier/store/index.js';

export const LONG_PASSWORD = 'p@ss w&rd=1 long';

/** Captured client ids are not device ids: the captures' devices do not bind them. */
const UNBOUND = { requireClientIdMatch: false };

type RuleSpec = [permission: Permission, action: AclAction, topic: string, eq?: boolean];

const DEVICES: Record<string, { superuser?: boolean; rules?: RuleSpec[] }> = {
  bob: { rules: [['allow', 'subscribe', 'a/+/c'], ['allow', 'subscribe', 'd/#'], ['allow', 'all', 'dev/#']] },
  alice: { rules: [['allow', 'subscribe', 'dev/+/temp'], ['allow', 'subscribe', 'dev/9'], ['allow', 'subscribe', 'dev/will']] },
  carol: { rules: [['allow', 'subscribe', 'dev/+/temp']] },
  u1: { rules: [['deny', 'all', 'deny/#'], ['allow', 'all', 'allow/#']] },
  u: { rules: [['allow', 'publish', 'r/1'], ['allow', 'all', 'x/y'], ['allow', 'subscribe', '$share/grp/s/1', true]] },
  root: { superuser: true },
  admin: { superuser: true },
  'dev-001': { rules: [['allow', 'publish', 'sensors/${device}/#']] },
  'dev-042': {},
  'dev-043': { rules: [['allow', 'publish', 't/1']] },
};

/** Subjects as the registry stores them (RFC 4514); NanoMQ sends the same in mbedtls order. */
const CERTIFICATES: Record<string, string> = {
  'dev-042': 'CN=dev-042,OU=fleet,O=Acme Devices,C=DE',
  'dev-043': 'O=CN-not-last,CN=dev-043',
};

export async function provisionCaptureDevices(store: Store): Promise<void> {
  for (const [id, spec] of Object.entries(DEVICES)) {
    store.createDevice({ id, superuser: spec.superuser ?? false, ...UNBOUND });
    await store.addCredential(id, { kind: 'password', secret: LONG_PASSWORD });
    for (const [permission, action, topic, eq = false] of spec.rules ?? []) {
      store.createRule({ subject: { kind: 'device', id }, permission, action, topic, eq });
    }
  }
  for (const [id, subject] of Object.entries(CERTIFICATES)) {
    const notAfter = Date.now() + 86_400_000;
    store.registerCertificate(id, { fingerprint: randomBytes(32).toString('hex'), subject, notAfter });
  }
  // The documented opt-in for NanoMQ's online/offline events: each device may announce itself only.
  store.createRule({ subject: { kind: 'all' }, permission: 'allow', action: 'publish', topic: '$SYS/brokers/client_status/${clientid}' });
}
