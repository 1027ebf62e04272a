/**
 * The bench servers compiled once per run (`tsconfig.bench.json` into `.bench-build/`) and run by plain
 * Node, as the product ships (`npm run build`): a TypeScript loader would add a thread of its own on the
 * server's core, and its output is not the code that ships.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let built = false;

/** The compiled `scripts/bench/<name>.ts`, built on first use. */
export function compiledServer(name: string): string {
  if (!built) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', `${ROOT}tsconfig.bench.json`], { stdio: 'inherit' });
    execFileSync(process.execPath, ['scripts/copy-assets.mjs', '.bench-build'], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  return `${ROOT}.bench-build/scripts/bench/${name}.js`;
}
