/**
 * The CSV form of a bulk import (`text/csv`), turned into the JSON form the route's schema validates.
 * Header: `id,groups,superuser,password,cert_fingerprint` (any order, `id` required); groups are
 * `;`-separated; fields follow RFC 4180 (quotes, `""` escapes, CRLF or LF). Empty fields are absent.
 */
import type { ImportBody, ImportDevice } from '../../../schemas/admin.js';
import { ValidationError } from '../../store/index.js';

const COLUMNS = ['id', 'groups', 'superuser', 'password', 'cert_fingerprint'] as const;
type Column = (typeof COLUMNS)[number];

export function parseImportCsv(text: string): ImportBody {
  const [header, ...rows] = parseCsvRecords(text).filter((r) => !(r.length === 1 && r[0] === ''));
  if (!header) throw invalid('csv', 'empty: expected a header line');
  const columns = header.map((name, i) => {
    const column = name.trim().toLowerCase();
    if (!(COLUMNS as readonly string[]).includes(column)) throw invalid(`csv.header.${i}`, `unknown column "${name}"`);
    return column as Column;
  });
  if (!columns.includes('id')) throw invalid('csv.header', 'needs an id column');
  const devices = rows.map((fields, r) => {
    // Line numbers as an editor shows them: the header is line 1.
    if (fields.length !== columns.length) {
      throw invalid(`csv.line.${r + 2}`, `has ${fields.length} fields, the header has ${columns.length}`);
    }
    return toDevice(columns, fields, r + 2);
  });
  return { devices };
}

function toDevice(columns: Column[], fields: string[], line: number): ImportDevice {
  const value = (c: Column) => {
    const v = fields[columns.indexOf(c)];
    return v === undefined || v === '' ? undefined : v;
  };
  const device: ImportDevice = { id: value('id') ?? '' };
  const groups = value('groups');
  if (groups !== undefined) device.groups = groups.split(';').map((g) => g.trim()).filter(Boolean);
  const superuser = value('superuser')?.toLowerCase();
  if (superuser !== undefined) {
    if (!['true', 'false', '1', '0'].includes(superuser)) throw invalid(`csv.line.${line}.superuser`, 'must be true, false, 1 or 0');
    device.superuser = superuser === 'true' || superuser === '1';
  }
  const password = value('password');
  if (password !== undefined) device.password = password;
  const fingerprint = value('cert_fingerprint');
  if (fingerprint !== undefined) device.certFingerprint = fingerprint;
  return device;
}

/** RFC 4180 records; a quote inside an unquoted field is kept literally. */
function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw invalid('csv', 'a quoted field is not closed');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(`${path}: ${message}`, [{ path, message }]);
}
