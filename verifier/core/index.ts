/** The pure decision core's only entry: no HTTP, SQL or environment; everything is injected (`DeciderDeps`). */
export { createDecider, type DeciderStats, type ManagedDecider } from './decider.js';
export { issueDeviceToken, type IssuedToken, type IssueTokenOptions } from './issue-token.js';
export { generateSigningKey, type GeneratedSigningKey, type SigningAlg } from './signing-keys.js';
export { hashPassword, verifyPassword } from './password.js';
export { certFingerprint, fingerprintsEqual } from './x509.js';
export { Secret, secretMatcher, type SecretMatcher } from './secrets.js';
export { looksLikeJwt } from './identifiers.js';
export { rememberedTokens, takeOverTokens, type RememberedTokens } from './credentials/jwt.js';
export { outwardDeny, outwardReason } from './outward.js';
export { commonNameFromSubject, parseDn, subjectsEqual, type DnAttribute } from './dn.js';
export { compileAcl, type SubstitutionValues } from './compile-acl.js';
export {
  ClientGoneError,
  ConfigError,
  ConflictError,
  ExternalJwksError,
  ExternalKeyNotFoundError,
  InternalError,
  InvalidHashError,
  KeyUnavailableError,
  NotFoundError,
  RegistryFileGoneError,
  RegistryMissingError,
  ServiceUnavailableError,
  StoreUnavailableError,
  ValidationError,
  VerifierError,
  type FieldError,
  type VerifierErrorCode,
} from './errors.js';
export type * from './ports.js';
export type * from './types.js';
