/**
 * What client ids, usernames and placeholder values may look like. MQTT lets a client id hold almost
 * anything, `/` included, so a client id is never rejected for its characters alone; it simply cannot
 * equal a device id then (device ids match `IDENTIFIER_PATTERN`), and it is never substituted into an
 * ACL pattern (`compile-acl.ts`). Control characters are refused outright: MQTT forbids U+0000 and
 * discourages the rest [MQTT-1.5.3-2], and no broker we front sends them. (Mosquitto's
 * `deny_special_chars` makes the same call for `+` and `#` "to protect the plugins against possible
 * pattern based attacks".)
 *
 * @module verifier/core/identifiers
 */
import { IDENTIFIER_PATTERN } from '../../schemas/index.js';

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** Three base64url segments; an empty signature is kept so that `alg: none` reaches the JWT check and is refused there. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

/** Could this string be a device id (and so be looked up and substituted safely)? */
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
