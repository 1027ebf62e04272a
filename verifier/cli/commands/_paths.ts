/**
 * Every admin API route the CLI calls, in one place. Ids are user input, so each path segment is
 * percent-encoded: an id can never change which route is hit.
 */
const ADMIN = '/v1/admin';
const enc = encodeURIComponent;

export const paths = {
  devices: `${ADMIN}/devices`,
  device: (id: string) => `${ADMIN}/devices/${enc(id)}`,
  credentials: (id: string) => `${paths.device(id)}/credentials`,
  credentialRevoke: (id: string, credentialId: string) => `${paths.credentials(id)}/${enc(credentialId)}/revoke`,
  certificates: (id: string) => `${paths.device(id)}/certificates`,
  tokens: (id: string) => `${paths.device(id)}/tokens`,
  tokenRevoke: (jti: string) => `${ADMIN}/tokens/${enc(jti)}/revoke`,
  rules: `${ADMIN}/rules`,
  rule: (id: string) => `${ADMIN}/rules/${enc(id)}`,
  groups: `${ADMIN}/groups`,
  group: (name: string) => `${ADMIN}/groups/${enc(name)}`,
  import: `${ADMIN}/import`,
  keys: `${ADMIN}/keys`,
  keysRotate: `${ADMIN}/keys/rotate`,
  keyRetire: (kid: string) => `${ADMIN}/keys/${enc(kid)}/retire`,
  explain: `${ADMIN}/explain`,
  decisions: `${ADMIN}/decisions`,
} as const;
