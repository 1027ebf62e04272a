/** Files in `ARRA_DATA_DIR` that the verifier writes and the broker and the CLI read. */
export const ADMIN_TOKEN_FILE = 'admin-token';
export const WEBHOOK_SECRET_FILE = 'webhook-secret';
/** The verifier's server CA, which signs its listeners' certificates off loopback. */
export const SERVER_CA_FILE = 'server-ca.pem';
/** The secret sealing private keys in a shared (PostgreSQL) registry; the same on every replica. */
export const KEY_ENCRYPTION_KEY_FILE = 'key-encryption-key';
/** The standalone broker's control socket, which the verifier's admin API asks for its clients. */
export const BROKER_CONTROL_SOCKET_FILE = 'broker-control.sock';
