#!/usr/bin/env node
// The `slipway` command's entry point. A CLI process is short-lived and loads the same modules on
// every run: Node's on-disk compile cache (modules stripped of their types and compiled, kept in
// the system's temporary directory) halves its start-up, which `slipway run` counts against.
// The one file in JavaScript: an entry point in TypeScript would have Node load its type stripper
// (~70 ms) for this file alone, before the cache that spares every other module from it is on.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./cli.ts');
