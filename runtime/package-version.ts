import { readFileSync } from 'node:fs';

/** The version in package.json, found from source (`runtime/`) or from the build (`dist/runtime/`). */
export function packageVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'arra-mq' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'dev';
}
