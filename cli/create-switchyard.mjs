#!/usr/bin/env node
// The `create-switchyard` executable: what `npm create switchyard@latest my-app` runs (npm
// turns `npm create <name>` into `npm exec create-<name>`). It is `switchyard init` on its
// own, in a package that holds only the scaffold, so creating an app does not install the
// local runtime first; the app it writes has switchyard-cli as a devDependency.
import { existsSync } from 'node:fs';
import path from 'node:path';

const compiled = path.join(import.meta.dirname, '..', 'dist', 'cli', 'commands', 'init.js');
if (!existsSync(compiled)) {
  console.error(`create-switchyard: the compiled scaffold (${compiled}) is missing: reinstall the package`);
  process.exit(1);
}
const { init } = await import(compiled);
const { CliError } = await import(path.join(import.meta.dirname, '..', 'dist', 'inspect', 'errors.js'));
const io = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  stdin: () => '',
  clients: () => {
    throw new Error('create-switchyard reaches no AWS service');
  },
};
try {
  await init(process.argv.slice(2), io);
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  console.error(`create-switchyard: ${error.message}`);
  process.exit(error.exitCode);
}
