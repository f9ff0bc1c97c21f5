/**
 * Rewrites the close-code and error-code tables of protocol/README.md from the registry (codes.ts), between the
 * markers `<!-- close-codes:begin -->` / `<!-- close-codes:end -->` and `<!-- error-codes:begin -->` /
 * `<!-- error-codes:end -->`. Run it after changing codes.ts:
 *   node bin/run-ts.js protocol/scripts/write-readme-tables.ts
 * test/unit/protocol-readme.test.ts fails while the README and the registry differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closeCodesTableMarkdown, errorCodesTableMarkdown } from '../codes-markdown.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** Replaces what lies between the two markers of `name` (which must both be there) with `content`. */
function replaceSection(text: string, name: string, content: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`protocol/README.md: markers ${begin} ... ${end} not found`);
  return `${text.slice(0, a + begin.length)}\n${content}\n${text.slice(b)}`;
}

let text = readFileSync(README, 'utf8');
text = replaceSection(text, 'close-codes', closeCodesTableMarkdown());
text = replaceSection(text, 'error-codes', errorCodesTableMarkdown());
writeFileSync(README, text);
process.stdout.write('protocol/README.md: close-code and error-code tables rewritten from protocol/codes.ts\n');
