#!/usr/bin/env node
// Runs a TypeScript entry through tsx's loader: `node bin/run-ts.js <file.ts> [args...]` (the file sees only the args).
import { register } from 'tsx/esm/api';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: node bin/run-ts.js <file.ts> [args...]');
register();
process.argv = [process.argv[0] ?? 'node', resolve(file), ...rest];
await import(pathToFileURL(resolve(file)).href);
