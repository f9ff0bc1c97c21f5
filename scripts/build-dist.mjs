#!/usr/bin/env node
// Compiles the `ephemera` command to plain JavaScript in dist/ (offline: esbuild, already installed with tsx).
// `npm start` and `npm run build` run it; dist/ is not committed. Packages stay external (node_modules), so the
// uWebSockets.js binary, protobufjs and the rest load as they do under tsx; each command stays a lazy chunk.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
const result = await build({
  metafile: true,
  absWorkingDir: root,
  entryPoints: { ephemera: 'bin/cli/dist-entry.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
});
// Chunks of an earlier build that this one did not write (not removed first: a running relay may still load its own).
const written = new Set(Object.keys(result.metafile.outputs).map((f) => join(root, f)));
for (const f of readdirSync(join(outdir, 'chunks'))) if (!written.has(join(outdir, 'chunks', f))) rmSync(join(outdir, 'chunks', f), { force: true });
process.stdout.write(`built ${join('dist', 'ephemera.mjs')}\n`);
