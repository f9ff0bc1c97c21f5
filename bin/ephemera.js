#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4 bounds V8's young generation (README, Running in production): by default it grows to
// 16 MB semi-spaces during a burst of joins and keeps them resident, about 2 kB of RSS per idle connection.
// The `ephemera` command. TypeScript sources run through tsx's loader (no build step, no postinstall).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
