/**
 * The arrows point one way (README, Layout): every import of every TypeScript file of the project, read from the
 * source, is checked against the layout's rules. A rule broken names the file and the import.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder } from '../helpers/files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['protocol', 'token', 'relay', 'invite-service', 'client', 'bench', 'bin', 'test', 'examples', 'web'];
/** Packages that are a WebSocket library (or a transport's native part). */
const WEBSOCKET_LIBRARIES = ['ws', 'uWebSockets.js', '@trufflesuite/uws-js-unofficial', 'bufferutil', 'utf-8-validate', 'socket.io', 'socket.io-client'];

interface Import {
  /** Repo-relative path of the importing file. */
  readonly file: string;
  /** The specifier as written. */
  readonly spec: string;
  /** Repo-relative path the specifier resolves to (relative specifiers), or undefined (a package). */
  readonly target: string | undefined;
}

/** Static imports, re-exports, side-effect imports and dynamic import() with a string literal. */
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function importsOf(file: string): Import[] {
  const text = stripComments(readFileSync(join(ROOT, file), 'utf8'));
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    const target = spec.startsWith('.') ? relative(ROOT, resolve(dirname(join(ROOT, file)), spec)).replace(/\.js$/, '.ts') : undefined;
    out.push({ file, spec, target });
  }
  return out;
}

const files = FOLDERS.filter((f) => existsSync(join(ROOT, f)))
  .flatMap((f) => filesUnder(join(ROOT, f)))
  .map((f) => relative(ROOT, f))
  .filter((f) => /\.(ts|mts|js|mjs|cjs)$/.test(f) && !f.includes('node_modules') && !f.startsWith('protocol/generated/'));
const imports = files.flatMap(importsOf);

const top = (path: string | undefined): string | undefined => path?.split('/')[0];
const under = (file: string, folder: string): boolean => file === folder || file.startsWith(`${folder}/`);
const show = (i: Import): string => `${i.file} imports '${i.spec}'`;
/** Imports of the files under `folder` that break `bad`. */
function violations(folder: string, bad: (i: Import) => boolean): string[] {
  return imports.filter((i) => under(i.file, folder) && bad(i)).map(show);
}

describe('import rules (README, Layout)', () => {
  it('reads the imports it checks', () => {
    // A parser that found nothing would pass every rule: it must see imports it knows are there.
    expect(imports.map(show)).toEqual(expect.arrayContaining([
      "relay/meeting/switchboard.ts imports '../transport/transport.types.js'",
      "invite-service/service.ts imports '../token/index.js'",
      "client/index.ts imports 'ws'",
    ]));
    expect(files.length).toBeGreaterThan(150);
  });

  it('relay/meeting imports no WebSocket library and no transport (only the transport interface)', () => {
    expect(violations('relay/meeting', (i) => WEBSOCKET_LIBRARIES.includes(i.spec) || (i.target !== undefined && under(i.target, 'relay/transport') && i.target !== 'relay/transport/transport.types.ts'))).toEqual([]);
  });

  it('the relay imports neither bench/, test/, the invite service, the client nor the web client', () => {
    expect(violations('relay', (i) => ['bench', 'test', 'invite-service', 'client', 'web'].includes(top(i.target) ?? ''))).toEqual([]);
  });

  it('invite-service imports nothing from relay/ (the token contract it shares with the relay is token/)', () => {
    expect(violations('invite-service', (i) => ['relay', 'bench', 'test', 'client', 'web'].includes(top(i.target) ?? ''))).toEqual([]);
  });

  it('token/ and protocol/ import no other folder of the project', () => {
    expect(violations('token', (i) => i.target !== undefined && !under(i.target, 'token'))).toEqual([]);
    expect(violations('protocol', (i) => i.target !== undefined && !under(i.target, 'protocol'))).toEqual([]);
    // token/ needs node's crypto and fs only.
    expect(violations('token', (i) => i.target === undefined && !i.spec.startsWith('node:'))).toEqual([]);
  });

  it('the client imports neither the relay, the invite service, token/, bench/ nor test/', () => {
    expect(violations('client', (i) => ['relay', 'invite-service', 'token', 'bench', 'test'].includes(top(i.target) ?? ''))).toEqual([]);
  });

  it('the web meeting client (web/src, what the browser runs) uses the client SDK (and the protocol) only', () => {
    expect(violations('web/src', (i) => ['relay', 'invite-service', 'token', 'bench', 'test', 'bin'].includes(top(i.target) ?? ''))).toEqual([]);
  });

  it('nothing but bench/ and test/ imports bench/ or test/', () => {
    const outside = imports.filter((i) => !under(i.file, 'bench') && !under(i.file, 'test') && ['bench', 'test'].includes(top(i.target) ?? ''));
    expect(outside.map(show)).toEqual([]);
  });
});
