/**
 * A client id may hold almost anything, `/` included: it then cannot equal a device id and is never
 * substituted. Control characters are refused outright [MQTT-1.5.3-2]; no broker we front sends them.
 */
import { IDENTIFIER_PATTERN } from '../../schemas/index.js';

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** Three base64url segments; an empty signature is kept so that `alg: none` reaches the JWT check and is refused there. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

export function isDeviceName(value: string): boolean {
  return IDENTIFIER_PATTERN.test(value);
}

/** Is this a compact JWS? A password that happens to have this shape is treated as a token. */
export function looksLikeJwt(value: string): boolean {
  return COMPACT_JWS.test(value);
}

/** May this value replace a placeholder in a topic pattern? Never empty, never `+ # /`, no control characters. */
export function isSafeSubstitution(value: string | null | undefined): value is string {
  return !!value && !/[+#/]/.test(value) && !hasControlChars(value);
}
