/**
 * The README's one configuration table, generated from where each variable is defined (the verifier's
 * and the broker's config modules, the CLI's two). `npx tsx scripts/config-table.ts --write` rewrites
 * the block between the `config:table` markers; `scripts/test/config-table.test.ts` fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { brokerConfigRows } from '../broker/config.js';
import { verifierConfigRows } from '../verifier/config.js';

interface Row {
  name: string;
  default: string;
  description: string;
  usedBy: string[];
}

/** Variables read outside the two config modules. */
const OTHER_ROWS: Row[] = [
  { name: 'ARRA_BROKER_CONFIG', default: '(none)', description: 'JSON file with broker settings (camelCase keys, e.g. `{"mqttPort": 1884}`); its values override the environment.', usedBy: ['broker'] },
  { name: 'ARRA_URL', default: 'http://127.0.0.1:8080', description: 'Verifier the CLI talks to (`--url` overrides it). For an https URL the CLI also trusts `$ARRA_DATA_DIR/server-ca.pem`, the verifier\'s own server CA, when that file exists.', usedBy: ['cli'] },
];

export function configRows(): Row[] {
  const rows = new Map<string, Row>();
  const add = (usedBy: string, list: Array<Omit<Row, 'usedBy'>>) => {
    for (const r of list) {
      const known = rows.get(r.name);
      if (known) known.usedBy.push(usedBy);
      else rows.set(r.name, { ...r, usedBy: [usedBy] });
    }
  };
  add('verifier', verifierConfigRows());
  add('broker', brokerConfigRows());
  rows.get('ARRA_ADMIN_TOKEN')?.usedBy.push('cli');
  rows.get('ARRA_DATA_DIR')?.usedBy.push('cli');
  rows.get('ARRA_DATABASE_URL')?.usedBy.push('copy script');
  rows.get('ARRA_KEY_ENCRYPTION_KEY')?.usedBy.push('copy script');
  for (const r of OTHER_ROWS) rows.set(r.name, r);
  return [...rows.values()];
}

export function configTableMarkdown(): string {
  const cell = (v: string) => (v.startsWith('(') ? v : `\`${v}\``);
  const lines = configRows().map((r) => `| \`${r.name}\` | ${cell(r.default)} | ${r.usedBy.join(', ')} | ${r.description} |`);
  return ['| Variable | Default | Read by | Meaning |', '|---|---|---|---|', ...lines].join('\n');
}

const START = '<!-- config:table -->';
const END = '<!-- /config:table -->';

export function readmeWithTable(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, from + START.length)}\n${configTableMarkdown()}\n${readme.slice(to)}`;
}

if (process.argv[2] === '--write') {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, readmeWithTable(readFileSync(path, 'utf8')));
}
