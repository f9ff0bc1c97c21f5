/**
 * The wire contract made executable: protocol/README.md's close-code and error-code tables are exactly what the
 * registry (protocol/codes.ts) renders, and every code of the registry is one the relay really sends (its source
 * names it), so that no documented code is dead.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { closeCodes, closeCodesTableMarkdown, errorCodesTableMarkdown } from '../../protocol/codes-markdown.js';
import { CloseCode, CloseCodeSpecs, ErrorCodes } from '../../protocol/codes.js';
import { filesUnder } from '../helpers/files.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('protocol/README.md', root), 'utf8');

/** The table between `<!-- name:begin -->` and `<!-- name:end -->`. */
function section(name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme);
  if (m === null) throw new Error(`protocol/README.md has no ${name} markers`);
  return m[1]!;
}

/** The relay's TypeScript sources with comments removed (a code named only in a comment is not sent). */
function relaySources(): string {
  return filesUnder(new URL('relay/', root).pathname)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1'))
    .join('\n');
}

describe('protocol/README.md', () => {
  it('shows the close-code table rendered from protocol/codes.ts', () => {
    expect(section('close-codes')).toBe(closeCodesTableMarkdown());
  });

  it('shows the error-code table rendered from protocol/codes.ts', () => {
    expect(section('error-codes')).toBe(errorCodesTableMarkdown());
  });

  it('documents every close code that an error code closes with, and nothing else', () => {
    const documented = new Set(closeCodes());
    for (const [code, spec] of Object.entries(ErrorCodes)) if (spec.close !== 0) expect(documented.has(spec.close as CloseCode), `${code} closes with ${spec.close}`).toBe(true);
    expect(Object.keys(CloseCodeSpecs).map(Number).sort()).toEqual(Object.values(CloseCode).map(Number).sort());
  });
});

describe('the error registry holds no dead code', () => {
  const sources = relaySources();

  it('every error code is sent somewhere in relay/', () => {
    const unsent = Object.keys(ErrorCodes).filter((code) => !sources.includes(`'${code}'`));
    expect(unsent, 'error codes the relay never sends: send them or remove them').toEqual([]);
  });

  it('every close code is used by relay/ (by name, by number, or as the close of an error code it sends)', () => {
    const closesOfSent = new Set<number>(Object.values(ErrorCodes).map((s) => s.close));
    const unused = Object.entries(CloseCode)
      .filter(([name, value]) => !sources.includes(`CloseCode.${name}`) && !new RegExp(`\\b${value}\\b`).test(sources) && !closesOfSent.has(value))
      .map(([name, value]) => `${name} (${value})`);
    expect(unused, 'close codes the relay never sends: send them or remove them').toEqual([]);
  });

  it('4008 is gone: tokens are checked at the join only (protocol/README.md, "Join token")', () => {
    expect(Object.values(CloseCode)).not.toContain(4008);
    expect(ErrorCodes.RELAY_ERR_TOKEN_EXPIRED).toMatchObject({ close: 0, http: 401 });
    expect(readme).toContain('checked at the join only');
  });
});
