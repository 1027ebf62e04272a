/**
 * The certificate subject NanoMQ hands over as `%d`: mbedtls' `mbedtls_x509_dn_gets` text, RDNs in
 * certificate order separated by `, ` (`C=DE, O=Acme Devices, OU=fleet, CN=dev-042`), special
 * characters escaped with `\`. We read the CN from it ourselves because NanoMQ's `%C` is buggy: it
 * takes everything after `CN=` to the end of the string (`dev-043, O=CN-not-last`).
 *
 * @module broker-adapters/nanomq/dn
 */

export interface SubjectDn {
  /** Attributes in certificate order. */
  attributes: Array<{ type: string; value: string }>;
  /** The single CN, or null when there is none or more than one (ambiguous: refuse). */
  commonName: string | null;
  /** The same subject as an RFC 4514 string (last RDN first, `,` without spaces), as the registry stores it. */
  rfc4514: string;
}

/** Parses an mbedtls DN string; null when it is not one (an attribute without `=`). */
export function parseMbedtlsDn(text: string): SubjectDn | null {
  const attributes: Array<{ type: string; value: string }> = [];
  for (const part of splitUnescaped(text, ',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    attributes.push({ type: part.slice(0, eq).trim().toUpperCase(), value: unescape(part.slice(eq + 1).trim()) });
  }
  if (attributes.length === 0) return null;
  const names = attributes.filter((a) => a.type === 'CN');
  return {
    attributes,
    commonName: names.length === 1 ? names[0]!.value : null,
    rfc4514: [...attributes]
      .reverse()
      .map((a) => `${a.type}=${escape4514(a.value)}`)
      .join(','),
  };
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** RFC 4514 section 2.4: escape `" + , ; < > \`, a leading `#` or space, and a trailing space. */
function escape4514(value: string): string {
  return value
    .replace(/(["+,;<>\\])/g, '\\$1')
    .replace(/^([# ])/, '\\$1')
    .replace(/ $/, '\\ ');
}
