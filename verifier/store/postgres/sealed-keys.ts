/**
 * Private keys at rest in a shared database: sealed with AES-256-GCM under a key-encryption key that
 * is not in the database (each replica gets it by file or environment). The row's name is bound in as
 * associated data, so a sealed key copied into another row does not open. A sealed value names its
 * key by id (a hash, never the key), so a replica holding another key says which one it needs.
 *
 * @module verifier/store/postgres/sealed-keys
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { ServiceUnavailableError } from '../../core/index.js';

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key that cannot be opened: the store cannot sign or issue, so it is unavailable (503), never a guess. */
export class SealedKeyError extends ServiceUnavailableError {}

export class KeyEncryptionKey {
  /** First 8 bytes of the key's SHA-256, hex: names it in errors and sealed values. */
  readonly id: string;
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
    this.id = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  /** Derives the AES key from the operator's secret text (HKDF-SHA256); at least 16 characters. */
  static fromSecret(text: string): KeyEncryptionKey {
    if (text.length < 16) throw new SealedKeyError('the key-encryption key must be at least 16 characters');
    return new KeyEncryptionKey(Buffer.from(hkdfSync('sha256', text, 'arra-mq', 'key-encryption-key v1', 32)));
  }

  /** `context` names where the value is kept (e.g. `signing_keys:<kid>`); `open` must be given the same. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    if (!sealed.startsWith(PREFIX)) throw new SealedKeyError(`${context}: not a sealed value (a plaintext key in the database is refused)`);
    const [keyId, payload] = sealed.slice(PREFIX.length).split(':');
    if (keyId !== this.id) throw new SealedKeyError(`${context}: sealed with key-encryption key ${keyId}, this replica has ${this.id}`);
    const bytes = Buffer.from(payload ?? '', 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealedKeyError(`${context}: the sealed value is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES)).setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedKeyError(`${context}: the sealed value was altered or belongs to another row`);
    }
  }
}
