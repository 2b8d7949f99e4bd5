#!/usr/bin/env node
// The `switchyard` executable (package.json "bin"): loads the TypeScript CLI through tsx,
// wherever npx is run from.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
await runCli();
