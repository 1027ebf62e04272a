/**
 * The package version, read from package.json whether this runs from source (`scripts/`) or from the
 * build (`dist/scripts/`).
 *
 * @module scripts/package-version
 */
import { readFileSync } from 'node:fs';

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
