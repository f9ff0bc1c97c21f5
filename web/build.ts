/**
 * Builds the web meeting client with esbuild, in memory: `ephemera start` serves the result through the invite
 * service, the tests build it the same way. Offline and fast (esbuild ships a prebuilt binary in its npm package).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WebClientFiles } from '../invite-service/index.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * The bundle-size budget (minified, before compression) that test/browser/bundle-size.test.ts holds: the SDK
 * with the protocol's generated code is most of it.
 */
export const BUNDLE_BUDGET = Object.freeze({ jsBytes: 200 * 1024, jsGzipBytes: 56 * 1024, cssBytes: 12 * 1024, htmlBytes: 2 * 1024 });

export interface BuildResult {
  readonly files: WebClientFiles;
  /** Input files of the JavaScript bundle (to check that no Node built-in is on the browser path). */
  readonly inputs: readonly string[];
}

/** Bundles web/src/app.ts (browser conditions, ES2022, minified) and collects index.html and styles.css. */
export async function buildWebClient(opts: { minify?: boolean } = {}): Promise<BuildResult> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [here('./src/app.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'edge110', 'safari17', 'firefox130'],
    conditions: ['browser'],
    minify: opts.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    outfile: 'app.js',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (js === undefined) throw new Error('web client build: esbuild produced no JavaScript');
  const files = new Map([
    ['index.html', { contentType: 'text/html; charset=utf-8', body: new Uint8Array(readFileSync(here('./index.html'))) }],
    ['app.css', { contentType: 'text/css; charset=utf-8', body: new Uint8Array(readFileSync(here('./styles.css'))) }],
    ['app.js', { contentType: 'text/javascript; charset=utf-8', body: js.contents }],
  ]);
  return { files, inputs: Object.keys(result.metafile.inputs) };
}
