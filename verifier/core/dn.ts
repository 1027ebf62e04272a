// DNs in RFC 4514, OpenSSL one-line and slash forms, parsed attribute by attribute: NanoMQ's `%C` may hand
// over everything after `CN=`, so text after the CN value is never trusted.

export interface DnAttribute {
  /** Upper case, aliases folded (`E` → `EMAILADDRESS`, `S` → `ST`, `2.5.4.3` → `CN`). */
  type: string;
  value: string;
}

const TYPE_ALIASES: Record<string, string> = {
  E: 'EMAILADDRESS',
  EMAIL: 'EMAILADDRESS',
  S: 'ST',
  COMMONNAME: 'CN',
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
};
const TYPE_PATTERN = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$/;

class Cursor {
  i = 0;
  constructor(
    readonly text: string,
    readonly separators: string,
  ) {}
  get done(): boolean {
    return this.i >= this.text.length;
  }
  get char(): string {
    return this.text[this.i] ?? '';
  }
  skipSpaces(): void {
    while (this.char === ' ') this.i++;
  }
  atSeparator(): boolean {
    return this.separators.includes(this.char) && !this.done;
  }
}

function readType(c: Cursor): string | undefined {
  const start = c.i;
  while (!c.done && c.char !== '=' && !c.atSeparator()) c.i++;
  if (c.char !== '=') return undefined;
  const type = c.text.slice(start, c.i).trim();
  c.i++; // '='
  if (!TYPE_PATTERN.test(type)) return undefined;
  const upper = type.toUpperCase();
  return TYPE_ALIASES[upper] ?? upper;
}

function readEscape(c: Cursor, bytes: number[]): boolean {
  c.i++; // '\'
  const pair = c.text.slice(c.i, c.i + 2);
  if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
    bytes.push(parseInt(pair, 16));
    c.i += 2;
    return true;
  }
  if (c.done) return false;
  bytes.push(...Buffer.from(c.char, 'utf8'));
  c.i++;
  return true;
}

function readValue(c: Cursor): string | undefined {
  c.skipSpaces();
  const bytes: number[] = [];
  const quoted = c.char === '"';
  if (quoted) c.i++;
  let trailingSpaces = 0;
  while (!c.done && (quoted ? c.char !== '"' : !c.atSeparator())) {
    if (c.char === '\\') {
      if (!readEscape(c, bytes)) return undefined;
      trailingSpaces = 0;
      continue;
    }
    const code = c.text.codePointAt(c.i)!;
    const ch = String.fromCodePoint(code);
    bytes.push(...Buffer.from(ch, 'utf8'));
    trailingSpaces = ch === ' ' ? trailingSpaces + 1 : 0;
    c.i += ch.length;
  }
  if (quoted) {
    if (c.char !== '"') return undefined;
    c.i++;
    c.skipSpaces();
    trailingSpaces = 0;
  }
  return Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
}

export function parseDn(dn: string): DnAttribute[] | undefined {
  const text = dn.trim();
  if (text.length === 0) return undefined;
  const slashForm = text.startsWith('/');
  const c = new Cursor(text, slashForm ? '/' : ',;+');
  if (slashForm) c.i = 1;
  const attributes: DnAttribute[] = [];
  for (;;) {
    c.skipSpaces();
    const type = readType(c);
    if (type === undefined) return undefined;
    const value = readValue(c);
    if (value === undefined) return undefined;
    attributes.push({ type, value });
    if (c.done) return attributes;
    if (!c.atSeparator()) return undefined;
    c.i++;
    if (c.done) return slashForm ? attributes : undefined;
  }
}

/** Undefined when malformed, absent or repeated: which CN counts would depend on the order (fail closed). */
export function commonNameFromSubject(dn: string): string | undefined {
  const names = parseDn(dn)?.filter((a) => a.type === 'CN') ?? [];
  if (names.length !== 1 || names[0]!.value.length === 0) return undefined;
  return names[0]!.value;
}

/** Same subject whatever the spelling? A multiset compare: RFC 4514 reverses the RDN order. */
export function subjectsEqual(a: string, b: string): boolean {
  const x = parseDn(a);
  const y = parseDn(b);
  if (!x || !y || x.length !== y.length) return false;
  const key = (attrs: DnAttribute[]) => attrs.map((t) => `${t.type}=${JSON.stringify(t.value)}`).sort().join(',');
  return key(x) === key(y);
}
