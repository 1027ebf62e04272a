/**
 * TLS off loopback: unless the operator gives a certificate, a server CA issues one at each start. It is
 * not the device CA, so no device certificate can pass for the server, nor the reverse.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { SERVER_CA_FILE } from '../../schemas/data-dir.js';
import { createCaPems, loadDeviceCa, type DeviceCa, type DeviceCaPems } from './device-ca.js';
import { EC_P256, subtle, toPem, x509 } from './crypto-provider.js';
import { signLeafCertificate } from './issue-certificate.js';

export const SERVER_CA_KEY_FILE = 'server-ca.key';
const SERVER_CA_NAME = 'CN=ARRA-MQ server CA';
/** Issued anew at every start; long enough for a verifier that is never restarted. */
const LEAF_DAYS = 397;

export interface TlsPems {
  cert: string;
  key: string;
}

/** Key and certificate are one file put in place with link(): a crash or a racing start never leaves half a pair. */
export async function loadOrCreateServerCa(dataDir: string): Promise<DeviceCa> {
  const keyPath = join(dataDir, SERVER_CA_KEY_FILE);
  const pems = readPair(keyPath) ?? (await createPair(keyPath));
  publishCertificate(join(dataDir, SERVER_CA_FILE), pems.certPem);
  return loadDeviceCa(pems);
}

function readPair(keyPath: string): DeviceCaPems | undefined {
  let text: string;
  try {
    text = readFileSync(keyPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const at = text.indexOf('-----BEGIN CERTIFICATE-----');
  if (at < 0) throw new Error(`${keyPath} holds no certificate after its key: remove it and ${SERVER_CA_FILE} to have a new server CA made`);
  return { keyPem: text.slice(0, at), certPem: text.slice(at) };
}

async function createPair(keyPath: string): Promise<DeviceCaPems> {
  const pems = await createCaPems(SERVER_CA_NAME);
  const temp = `${keyPath}.${process.pid}.tmp`;
  writeFileSync(temp, `${pems.keyPem.trimEnd()}\n${pems.certPem}`, { mode: 0o600 });
  try {
    linkSync(temp, keyPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readPair(keyPath)!; // another process made it first: use theirs
  } finally {
    unlinkSync(temp);
  }
  return pems;
}

function publishCertificate(certPath: string, certPem: string): void {
  try {
    if (readFileSync(certPath, 'utf8') === certPem) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const temp = `${certPath}.${process.pid}.tmp`;
  writeFileSync(temp, certPem, { mode: 0o644 });
  renameSync(temp, certPath);
}

/** The addresses a client may dial to reach listeners bound to `binds`: loopback always, a wildcard's every interface. */
export function serverNames(binds: readonly string[]): { ips: string[]; dns: string[] } {
  const ips = new Set(['127.0.0.1', '::1']);
  for (const bind of binds) {
    if (bind === '0.0.0.0' || bind === '::') {
      for (const address of Object.values(interfaceAddresses(bind)).flat()) {
        if (address && (bind === '::' || address.family === 'IPv4')) ips.add(address.address.split('%')[0]!);
      }
    } else {
      ips.add(bind);
    }
  }
  return { ips: [...ips], dns: [...new Set(['localhost', hostname()])] };
}

/** The host's interface addresses; a sandbox without netlink sockets cannot list them, which is said plainly. */
function interfaceAddresses(bind: string): ReturnType<typeof networkInterfaces> {
  try {
    return networkInterfaces();
  } catch (cause) {
    throw new Error(
      `cannot list the network interfaces to name them in the TLS certificate of a listener on ${bind} (${(cause as Error).message}); ` +
        'bind a specific address, give ARRA_HTTP_TLS_CERT/ARRA_HTTP_TLS_KEY, or allow AF_NETLINK sockets',
      { cause },
    );
  }
}

/** A serverAuth certificate for `names`, signed by the server CA; the key is P-256, never stored. */
export async function issueServerCertificate(ca: DeviceCa, names: { ips: string[]; dns: string[] }, now = Date.now()): Promise<TlsPems> {
  const keys = (await subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const sans = [
    ...names.dns.map((value) => ({ type: 'dns' as const, value })),
    ...names.ips.filter((ip) => isIP(ip) !== 0).map((value) => ({ type: 'ip' as const, value })),
  ];
  const san = new x509.SubjectAlternativeNameExtension(sans, false);
  // serverAuth only: this certificate must not pass for a device.
  const cert = await signLeafCertificate(ca, { subject: `CN=${names.dns.at(-1) ?? 'arra-mq'}`, publicKey: keys.publicKey, days: LEAF_DAYS, usage: 'serverAuth', extensions: [san], now });
  return { cert: `${cert.toString('pem')}\n`, key: toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY') };
}
