/** Salted scrypt, stored as `scrypt$N$r$p$saltB64$hashB64`, compared in constant time. */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InvalidHashError } from './errors.js';

/** OWASP's scrypt floor (N=2^14, r=8, p=1) costs ~16 MiB and tens of milliseconds per check. */
const DEFAULTS = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** A stored hash never makes us spend more than this (a corrupt or hostile `N` could exhaust memory). */
const MAX_N = 1 << 20;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scrypt(secret: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** scrypt needs 128·N·r bytes; leave headroom so Node's default `maxmem` (32 MiB) does not refuse larger N. */
function optionsFor(N: number, r: number, p: number): ScryptOptions {
  return { N, r, p, maxmem: 256 * N * r };
}

export async function hashPassword(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = DEFAULTS;
  const hash = await scrypt(secret, salt, KEY_BYTES, optionsFor(N, r, p));
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

function parseHash(stored: string): ParsedHash {
  const parts = stored.split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  const num = (s: string | undefined) => (s !== undefined && /^[1-9][0-9]{0,7}$/.test(s) ? Number(s) : NaN);
  const parsed = { N: num(n), r: num(r), p: num(p) };
  const powerOfTwo = (parsed.N & (parsed.N - 1)) === 0;
  if (parts.length !== 6 || scheme !== 'scrypt' || !powerOfTwo || parsed.N > MAX_N || parsed.r > 32 || parsed.p > 16) {
    throw new InvalidHashError('stored password hash is not scrypt$N$r$p$salt$hash');
  }
  if (Number.isNaN(parsed.N) || Number.isNaN(parsed.r) || Number.isNaN(parsed.p) || !salt || !hash) {
    throw new InvalidHashError('stored password hash is not scrypt$N$r$p$salt$hash');
  }
  return { ...parsed, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** A malformed stored hash rejects with `InvalidHashError`: a fault of the store, not a wrong password. */
export async function verifyPassword(secret: string, stored: string): Promise<boolean> {
  const { N, r, p, salt, hash } = parseHash(stored);
  if (hash.length === 0) return false;
  const candidate = await scrypt(secret, salt, hash.length, optionsFor(N, r, p));
  return timingSafeEqual(candidate, hash);
}
