/**
 * The device CA on SQLite: one row, its private key as PKCS#8 PEM in the 0600 database.
 *
 * @module verifier/store/device-ca
 */
import type { DeviceCaPems } from '../ca/index.js';
import type { StoreContext } from './context.js';
import type { DeviceCaRepository } from './repositories.js';

export function createDeviceCaRepository({ db, writer, now }: StoreContext): DeviceCaRepository {
  const read = db.prepare('SELECT cert_pem AS certPem, key_pem AS keyPem FROM device_ca WHERE id = 1');
  const insert = db.prepare('INSERT INTO device_ca (id, cert_pem, key_pem, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
  return {
    async read() {
      return read.get() as DeviceCaPems | undefined;
    },
    async addFirst(pems) {
      return writer.write(() => insert.run(pems.certPem, pems.keyPem, now()).changes > 0);
    },
  };
}
