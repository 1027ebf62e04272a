/**
 * The deployment commands as the READMEs write them: the fenced `sh` block that follows an
 * `<!-- lxc-test: NAME -->` marker, so the test runs what an operator reads and the docs cannot drift.
 *
 * @module lxc/test/docs
 */
import { readFileSync } from 'node:fs';

/** The text of the fenced block right after the marker `<!-- lxc-test: name -->` in `file`. */
export function docBlock(file: string, name: string): string {
  const text = readFileSync(file, 'utf8');
  const marker = `<!-- lxc-test: ${name} -->`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${file} has no ${marker}`);
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(text.slice(at + marker.length));
  if (!block) throw new Error(`${file}: no \`\`\`sh block after ${marker}`);
  return block[1]!;
}

/** The block's commands: its lines without comment-only and empty ones. */
export function commandLines(block: string): string[] {
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}
