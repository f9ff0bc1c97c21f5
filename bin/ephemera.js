#!/usr/bin/env node
// The `ephemera` command. TypeScript sources run through tsx's loader (no build step, no postinstall).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
