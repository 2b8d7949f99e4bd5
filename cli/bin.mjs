#!/usr/bin/env node
// The `switchyard` executable (package.json "bin"). In an installed package it runs the
// compiled CLI (dist/cli/main.js): no TypeScript or tsx at run time. In a checkout of the
// repository it runs the sources through tsx, so a command always runs the code as it is.
//
// Each command needs the Node its package.json's engines names (22: the AWS SDK's releases
// from 2027 need it, and the SDK warns of that in eight lines on every call on an older
// Node), and the commands that run the local runtime (`dev`) need Node 24, the Node of
// Lambda's nodejs24.x (the runtime keeps its state with node:sqlite and runs functions on
// it). On an older Node the bin refuses, naming the version it needs; the package ships no
// Node. Only where a Node 24 is installed as the package `node-linux-<arch>` (this
// repository's devDependency, for its own tests on an older Node) does it run itself again
// on that one.
//
// Node's modules are required, not imported: an ES import of a builtin builds its ES facade,
// which reads every export (node:fs's promises, and all they load), and node:child_process
// is only for the run on another Node. Milliseconds of every command's start.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { existsSync, readFileSync } = require('node:fs');
const module = require('node:module');
const path = require('node:path');

const here = import.meta.dirname;
const command = process.argv[2];
const nodeMajor = Number(process.versions.node.split('.')[0]);
const needed =
  command === 'dev'
    ? { what: 'switchyard dev', major: 24, why: "the Node of Lambda's nodejs24.x runtime" }
    : { what: 'switchyard', ...enginesNode() };

if (nodeMajor < needed.major && process.env.SWITCHYARD_NODE_REEXEC === undefined) {
  const node24 = packagedNode();
  if (node24 === undefined) {
    console.error(
      `${needed.what} needs Node ${needed.major} or newer, ${needed.why} (this is Node ${process.versions.node}). ` +
        'Install Node 24 (for example: nvm install 24, or fnm install 24) and run it again.',
    );
    process.exit(1);
  }
  const result = require('node:child_process').spawnSync(node24, [...process.execArgv, import.meta.filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SWITCHYARD_NODE_REEXEC: '1' },
  });
  process.exit(result.status ?? 1);
}

// V8's compiled code of the CLI and the AWS SDK kept on disk (os.tmpdir()/node-compile-cache,
// checked against each file's contents; NODE_DISABLE_COMPILE_CACHE=1 turns it off): the next
// command compiles none of it again, about a tenth of a command's start.
module.enableCompileCache?.();

const source = path.join(here, 'main.ts');
const compiled = path.join(here, '..', 'dist', 'cli', 'main.js');
let main;
if (existsSync(source) && resolvable('tsx/esm/api')) {
  const { register } = await import('tsx/esm/api');
  // The repository's tsconfig.json, wherever the command runs (an app's folder, whose own
  // tsconfig.json tsx would otherwise read for the command's sources).
  register({ tsconfig: path.join(here, '..', 'tsconfig.json') });
  main = await import('./main.ts');
} else if (existsSync(compiled)) {
  main = await import(compiled);
} else {
  console.error(`switchyard: neither the sources (${source}) nor the compiled CLI (${compiled}) are here; reinstall the package`);
  process.exit(1);
}
await main.runCli();

/** The Node 24 binary of the package node-linux-<arch>, if one is installed (this repository has it). */
function packagedNode() {
  if (process.platform !== 'linux') return undefined;
  try {
    const manifest = require.resolve(`node-linux-${process.arch}/package.json`);
    const binary = path.join(path.dirname(manifest), 'bin', 'node');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

function resolvable(specifier) {
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** The oldest Node the package's engines field (">=22") allows: the package.json next to this folder, the package's or the repository's. */
function enginesNode() {
  const manifest = path.join(here, '..', 'package.json');
  const range = JSON.parse(readFileSync(manifest, 'utf8')).engines?.node;
  const major = /^>=\s*(\d+)/.exec(range ?? '')?.[1];
  if (major === undefined) throw new Error(`${manifest}: engines.node is "${range}", where the switchyard bin expects ">=<major>"`);
  return { major: Number(major), why: 'the oldest switchyard-cli supports, as the AWS SDK will from January 2027' };
}
