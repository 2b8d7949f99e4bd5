import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { esbuildOptions } from '../../cli/dev/esbuild-options.js';
import { HandlerCode } from '../../cli/dev/handler-code.js';
import { startDevServer } from '../../cli/dev/server.js';
import { StandbySynth } from '../../cli/dev/standby.js';
import { synthErrorLines, synthesize } from '../../cli/dev/synth.js';
import { type SynthRecord, staleness } from '../../cli/dev/synth-record.js';
import { useTempFolders, writeFiles } from '../helpers/temp-folders.js';
import { standInLauncher } from './dev-stand-in.js';

const ESBUILD = path.resolve(import.meta.dirname, '../../node_modules/.bin/esbuild');
const { withFiles: project } = useTempFolders('switchyard-handler-code-');

afterEach(() => {
  vi.restoreAllMocks();
});
const write = (root: string, name: string, content: string) => writeFiles(root, { [name]: content });

/** The flags CDK's NodejsFunction gives esbuild (bundling.ts's buildEsbuildArgs), with a function's own esbuildArgs. */
const NODEJS_FUNCTION_FLAGS = [
  '--target=node24',
  '--platform=node',
  '--format=esm',
  '--minify',
  '--sourcemap',
  '--sources-content=false',
  '--external:@aws-sdk/*',
  '--define:BUILT_BY="cdk"',
  "--banner:js=import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  '--main-fields=module,main',
  '--keep-names',
  '--alias:helper=./helper.ts',
];

const HANDLER_FILES = {
  'handler.ts': "import { greet } from 'helper';\nexport const handler = async () => greet(BUILT_BY);\ndeclare const BUILT_BY: string;\n",
  'helper.ts': "export const greet = (who: string) => 'hello from ' + who;\n",
};

describe('esbuildOptions', () => {
  it("reads NodejsFunction's command line into the options that build the same bytes through esbuild's API", async () => {
    const root = project(HANDLER_FILES);
    const outfile = path.join(root, 'out', 'index.mjs');
    const args = ['--bundle', 'handler.ts', `--outfile=${outfile}`, ...NODEJS_FUNCTION_FLAGS];
    const cli = spawnSync(ESBUILD, args, { cwd: root, encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    const options = esbuildOptions(args);
    expect(options).toMatchObject({
      bundle: true,
      entryPoints: ['handler.ts'],
      alias: { helper: './helper.ts' },
      mainFields: ['module', 'main'],
    });
    const built = await esbuild.build({ ...options, absWorkingDir: root, write: false, logLevel: 'silent' });
    for (const file of [outfile, `${outfile}.map`]) {
      expect(Buffer.from(built.outputFiles.find((output) => output.path === file)?.contents ?? []).equals(readFileSync(file))).toBe(true);
    }
  });

  it('reads no command line with a flag it does not know, nor one without a single entry and an outfile', () => {
    expect(esbuildOptions(['--bundle', 'a.ts', '--outfile=out/a.js', '--watch'])).toBeUndefined();
    expect(esbuildOptions(['--bundle', 'a.ts', '--outfile=out/a.js', '--sources-content=maybe'])).toBeUndefined();
    expect(esbuildOptions(['--bundle', 'a.ts', 'b.ts', '--outfile=out/a.js'])).toBeUndefined();
    expect(esbuildOptions(['--bundle', 'a.ts', '--outdir=out'])).toBeUndefined();
  });
});

/**
 * A CDK-like app: it imports a module, reads a settings file and an environment variable (and sets one), and
 * bundles its handler with the esbuild command line (as NodejsFunction does) into a temporary
 * folder it then renames into the assembly's asset folder; it writes the pid the bundling's
 * spawnSync answered with (0: the bundle came from the cache) into its manifest.
 */
const APP = {
  'cdk.json': '{}',
  'settings.json': '{"stage":"dev"}',
  'model.json': '{"weights":[1]}',
  'lib.mjs': 'export const name = "app";\n',
  ...HANDLER_FILES,
  'app.mjs': `import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import './lib.mjs';
const out = process.env.CDK_OUTDIR;
readFileSync('settings.json', 'utf8');
const stage = process.env.STAGE;
// As aws-cdk-lib's users do (jsii's deprecation warnings off around a call): the environment takes values set and deleted.
process.env.JSII_DEPRECATED = 'quiet';
delete process.env.JSII_DEPRECATED;
const temp = out + '/bundling-temp-1';
rmSync(temp, { recursive: true, force: true });
const bundled = spawnSync(${JSON.stringify(ESBUILD)}, ['--bundle', 'handler.ts', '--outfile=' + temp + '/index.mjs', ...${JSON.stringify(NODEJS_FUNCTION_FLAGS)}], { stdio: 'inherit' });
if (bundled.status !== 0) process.exit(1);
// An after-bundling hook, as SwitchyardFunction's assetFiles run it: a copy into the bundle's folder.
spawnSync('bash', ['-c', "cp '" + process.cwd() + "/model.json' '" + temp + "/model.json'"], { stdio: 'inherit' });
rmSync(out + '/asset.1', { recursive: true, force: true });
renameSync(temp, out + '/asset.1');
writeFileSync(out + '/manifest.json', JSON.stringify({ bundlePid: bundled.pid, stage }));
`,
};

async function synthesizeApp(root: string): Promise<{ record: SynthRecord; bundlePid: number }> {
  const outdir = path.join(root, '.switchyard', 'cdk.out');
  const state = { scratch: path.join(root, '.switchyard', 'tmp'), bundleCache: path.join(root, '.switchyard', 'bundle-cache') };
  const { record } = await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, outdir, state);
  if (record === undefined) throw new Error('no record');
  return { record, bundlePid: JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).bundlePid };
}

describe('synthesize, followed', () => {
  it('records what the app read and how it bundled its handler, matched to the asset folder it ended in', async () => {
    const root = project(APP);
    const { record } = await synthesizeApp(root);
    expect(record.complete).toBe(true);
    const read = record.read.map((stamp) => path.relative(root, stamp.file));
    expect(read).toEqual(expect.arrayContaining(['app.mjs', 'lib.mjs', 'settings.json', 'cdk.json', 'model.json']));
    expect(read).not.toContain('handler.ts');
    expect(record.env).toMatchObject({ STAGE: null });
    expect(record.bundles).toHaveLength(1);
    const [bundle] = record.bundles;
    expect(bundle?.assetDir).toBe(path.join(root, '.switchyard', 'cdk.out', 'asset.1'));
    expect(bundle?.inputs.map((stamp) => path.relative(root, stamp.file)).sort()).toEqual(['handler.ts', 'helper.ts']);
  });

  it("is not complete when the app calls esbuild's JS API, whose service reads files out of sight (a resolver built in the synthesis)", async () => {
    const esbuildModule = path.resolve(import.meta.dirname, '../../node_modules/esbuild/lib/main.js');
    const root = project({
      'cdk.json': '{}',
      'resolver.ts': 'export const request = (ctx: unknown) => ctx;\n',
      'app.mjs': `import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
const esbuild = createRequire(import.meta.url)(${JSON.stringify(esbuildModule)});
const out = process.env.CDK_OUTDIR;
mkdirSync(out, { recursive: true });
esbuild.buildSync({ entryPoints: ['resolver.ts'], bundle: true, outdir: out + '/resolvers', platform: 'neutral' });
writeFileSync(out + '/manifest.json', JSON.stringify({ bundlePid: 0 }));
`,
    });
    const { record } = await synthesizeApp(root);
    expect(record.read.map((stamp) => path.relative(root, stamp.file))).not.toContain('resolver.ts');
    expect(record.complete).toBe(false);
    // The asynchronous API (build, as most CDK constructs' own bundlers call it) runs a service process of its own.
    const source = readFileSync(path.join(root, 'app.mjs'), 'utf8');
    write(root, 'app.mjs', source.replace('esbuild.buildSync(', 'await esbuild.build('));
    expect((await synthesizeApp(root)).record.complete).toBe(false);
    write(root, 'app.mjs', source);
    // A transform reads nothing (tsx runs an app's TypeScript so): the synthesis is followed still.
    write(
      root,
      'app.mjs',
      readFileSync(path.join(root, 'app.mjs'), 'utf8').replace(
        /esbuild\.buildSync\(.*\);/,
        "esbuild.transformSync('let a: number = 1', { loader: 'ts' });",
      ),
    );
    expect((await synthesizeApp(root)).record.complete).toBe(true);
  });

  it("counts as read a file aws-cdk-lib fingerprints from its cache by a bigint stat (a file asset), not a file merely stat'd", async () => {
    const root = project({
      'cdk.json': '{}',
      'resolver.js': 'export function request() { return {}; }\n',
      'other.js': '// stat only\n',
      'app.mjs': `import { mkdirSync, statSync, writeFileSync } from 'node:fs';
const out = process.env.CDK_OUTDIR;
mkdirSync(out, { recursive: true });
// As aws-cdk-lib's contentFingerprintOf asks its fingerprint cache (~/.cdk/cache), reading nothing on a hit.
statSync('resolver.js', { bigint: true });
statSync('other.js');
writeFileSync(out + '/manifest.json', JSON.stringify({ bundlePid: 0 }));
`,
    });
    const { record } = await synthesizeApp(root);
    const read = record.read.map((stamp) => path.relative(root, stamp.file));
    expect(read).toContain('resolver.js');
    expect(read).not.toContain('other.js');
  });

  it("counts as read the files of aws-cdk-lib's own file and folder assets, its fingerprint cache hit or not", {
    timeout: 60_000,
  }, async () => {
    // The real aws-cdk-lib, not a stand-in for its calls: if it fingerprints another way, this fails rather than dev missing edits.
    const cdkLib = path.resolve(import.meta.dirname, '../../node_modules/aws-cdk-lib');
    const root = project({
      'cdk.json': '{}',
      'resolver.js': 'export function request() { return {}; }\n',
      'resolvers/a.js': 'export function response() { return 1; }\n',
      'app.mjs': `import { createRequire } from 'node:module';
import * as path from 'node:path';
// Its fingerprint cache (~/.cdk/cache) kept inside the project, as no test writes outside it.
process.env.HOME = path.resolve('home');
const cdk = createRequire(import.meta.url)(${JSON.stringify(cdkLib)});
const app = new cdk.App({ outdir: process.env.CDK_OUTDIR });
const stack = new cdk.Stack(app, 'Assets');
new cdk.aws_s3_assets.Asset(stack, 'File', { path: 'resolver.js' });
new cdk.aws_s3_assets.Asset(stack, 'Folder', { path: 'resolvers' });
app.synth();
`,
    });
    for (const run of ['a cache miss', 'a cache hit']) {
      const { record } = await synthesizeApp(root);
      const read = record.read.map((stamp) => path.relative(root, stamp.file));
      expect(read, run).toEqual(expect.arrayContaining(['resolver.js', path.join('resolvers', 'a.js')]));
    }
    expect(readdirSync(path.join(root, 'home', '.cdk', 'cache', 'fingerprints'))).not.toHaveLength(0);
  });

  it('takes a bundle whose inputs did not change from the cache, and builds one whose input changed', async () => {
    const root = project(APP);
    expect((await synthesizeApp(root)).bundlePid).not.toBe(0);
    expect((await synthesizeApp(root)).bundlePid).toBe(0);
    write(root, 'helper.ts', "export const greet = (who: string) => 'hi from ' + who;\n");
    expect((await synthesizeApp(root)).bundlePid).not.toBe(0);
    expect(readFileSync(path.join(root, '.switchyard', 'cdk.out', 'asset.1', 'index.mjs'), 'utf8')).toContain('hi from');
  });

  it("runs an app whose TypeScript main a CommonJS require hook compiles, as ts-node (cdk init's app command) runs it, and records its modules", async () => {
    // ts-node's bin compiles .ts through require.extensions, then hands the script to Module.runMain.
    // A preload given as --import makes Node load the main entry with its own ES module loader
    // (type stripping on Node 24), which does not resolve the extensionless imports CommonJS resolves.
    const root = project({
      'cdk.json': '{}',
      'runner.cjs': `const Module = require('node:module');
const { readFileSync } = require('node:fs');
require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8').replace(/^import \\{ (\\w+) \\} from '(.+)';$/gm, "const { $1 } = require('$2');");
  module._compile(source, filename);
};
process.argv.splice(1, 1);
process.argv[1] = require('node:path').resolve(process.argv[1]);
Module.runMain();
`,
      'lib.ts': "exports.name = 'stack';\n",
      'app.ts': `import { name } from './lib';
require('node:fs').writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ name }));
`,
    });
    const outdir = path.join(root, '.switchyard', 'cdk.out');
    const state = { scratch: path.join(root, '.switchyard', 'tmp'), bundleCache: path.join(root, '.switchyard', 'bundle-cache') };
    const { record } = await synthesize({ root, app: `"${process.execPath}" runner.cjs app.ts`, context: {} }, outdir, state);
    expect(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'))).toEqual({ name: 'stack' });
    expect(record?.read.map((stamp) => path.relative(root, stamp.file))).toEqual(expect.arrayContaining(['app.ts', 'lib.ts']));
  });

  it('is stale once a file the synthesis read, or a variable it read, changes; never for a handler alone', async () => {
    const root = project(APP);
    const { record } = await synthesizeApp(root);
    expect(staleness(record, {})).toBeUndefined();
    write(root, 'handler.ts', `${HANDLER_FILES['handler.ts']}// saved again\n`);
    expect(staleness(record, {})).toBeUndefined();
    expect(staleness(record, { STAGE: 'prod' })).toBe('the environment variable STAGE changed');
    write(root, 'lib.mjs', 'export const name = "renamed";\n');
    expect(staleness(record, {})).toBe(`${path.join(root, 'lib.mjs')} changed`);
  });

  it('is stale when dev is given other --context values than the synthesis ran with (the app reads them from CDK_CONTEXT_JSON, set by dev)', async () => {
    const root = project(APP);
    const outdir = path.join(root, '.switchyard', 'cdk.out');
    const state = { scratch: path.join(root, '.switchyard', 'tmp'), bundleCache: path.join(root, '.switchyard', 'bundle-cache') };
    const given = { interval: '1' };
    const { record } = await synthesize(
      { root, app: `"${process.execPath}" app.mjs`, context: given, commandContext: given },
      outdir,
      state,
    );
    if (record === undefined) throw new Error('no record');
    expect(staleness(record, {}, { interval: '1' })).toBeUndefined();
    expect(staleness(record, {}, { interval: '5' })).toBe('the --context values changed');
    expect(staleness(record, {})).toBe('the --context values changed');
    expect(staleness((await synthesizeApp(root)).record, {}, {})).toBeUndefined();
  });
});

/**
 * An app with two functions of one entry, as a second consumer of the same handler makes them: each
 * bundled on its own, each asset folder with another file beside the same bundle (so CDK, which
 * names the folder after all its content, makes two). Its asset manifest names the two; the
 * assembly also keeps a folder of an earlier synthesis with the same index.mjs and another source
 * map (as one made from a rebuilt handler's cached output is), which no function runs.
 */
const TWO_FUNCTIONS_APP = {
  'cdk.json': '{}',
  ...HANDLER_FILES,
  'app.mjs': `import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
const out = process.env.CDK_OUTDIR;
for (const [n, extra] of [[1, 'first'], [2, 'second']]) {
  const temp = out + '/bundling-temp-' + n;
  rmSync(temp, { recursive: true, force: true });
  const bundled = spawnSync(${JSON.stringify(ESBUILD)}, ['--bundle', 'handler.ts', '--outfile=' + temp + '/index.mjs', ...${JSON.stringify(NODEJS_FUNCTION_FLAGS)}], { stdio: 'inherit' });
  if (bundled.status !== 0) process.exit(1);
  writeFileSync(temp + '/settings.txt', extra);
  rmSync(out + '/asset.' + n, { recursive: true, force: true });
  renameSync(temp, out + '/asset.' + n);
}
// An earlier synthesis's folder: the same bundle, another source map, named by no manifest.
rmSync(out + '/asset.0', { recursive: true, force: true });
mkdirSync(out + '/asset.0');
writeFileSync(out + '/asset.0/index.mjs', readFileSync(out + '/asset.1/index.mjs'));
writeFileSync(out + '/asset.0/index.mjs.map', '{"version":3,"sources":["../../elsewhere/handler.ts"],"mappings":""}');
writeFileSync(out + '/App.assets.json', JSON.stringify({ files: { a: { source: { path: 'asset.1', packaging: 'zip' } }, b: { source: { path: 'asset.2', packaging: 'zip' } }, t: { source: { path: 'App.template.json', packaging: 'file' } } } }));
writeFileSync(out + '/manifest.json', JSON.stringify({ version: '1' }));
`,
};

describe('synthesize, followed, with two functions of one entry', () => {
  it("matches the bundle to each asset folder in use that holds it, not to an earlier synthesis's folder with the same index.mjs", async () => {
    const root = project(TWO_FUNCTIONS_APP);
    const { record } = await synthesizeApp(root);
    const cdkOut = path.join(root, '.switchyard', 'cdk.out');
    expect(record.bundles.map((bundle) => bundle.assetDir)).toEqual([path.join(cdkOut, 'asset.1'), path.join(cdkOut, 'asset.2')]);
    const code = new HandlerCode(root, path.join(root, '.switchyard', 'code'), record);
    const plan = code.plan([path.join(root, 'helper.ts')]);
    expect(plan.kind === 'code' && plan.bundles.map((bundle) => path.basename(bundle.assetDir))).toEqual(['asset.1', 'asset.2']);
    write(root, 'helper.ts', "export const greet = (who: string) => 'rebuilt for both by ' + who;\n");
    const outcomes = await code.rebuild(record.bundles);
    await code.dispose();
    // Each function's folder is rebuilt with its own files beside the new bundle.
    const replaced = code.replacements();
    for (const [n, extra] of [
      [1, 'first'],
      [2, 'second'],
    ] as const) {
      const dir = replaced.get(path.join(cdkOut, `asset.${n}`));
      if (dir === undefined) throw new Error(`asset.${n} not replaced: ${JSON.stringify(outcomes)}`);
      expect(readFileSync(path.join(dir, 'index.mjs'), 'utf8')).toContain('rebuilt for both by');
      expect(readFileSync(path.join(dir, 'settings.txt'), 'utf8')).toBe(extra);
    }
  });
});

describe('startDevServer, a saved handler edit', () => {
  /**
   * dev on APP with a stand-in runtime whose one function runs `codeOf(cdkOut)`; saves helper.ts
   * and collects what dev printed and did until it applied the change.
   */
  async function saveHandlerEdit(
    codeOf: (cdkOut: string) => string,
    updated: string[] = [],
  ): Promise<{ lines: string[]; updated: string[]; reloads: number }> {
    const root = project({ ...APP, 'cdk.json': JSON.stringify({ app: `"${process.execPath}" app.mjs` }) });
    let reloads = 0;
    const { lines, launcher, io, stop } = standInLauncher(async (options) => ({
      url: 'http://127.0.0.1:0',
      definitions: { functions: [{ name: 'Summarize', codePath: codeOf(options.cdkOut) }] },
      lambda: { updateFunctionCode: async (name: string) => updated.push(name), updatedCode: () => [] },
      reload: async () => {
        reloads++;
        return { reloaded: ['function Summarize (code)'], needsRestart: [] };
      },
      warm: async () => {},
    }));
    await startDevServer({ root, settings: {} as never, synth: true, watch: true, typecheck: false, io, launcher });
    try {
      write(root, 'helper.ts', "export const greet = (who: string) => 'edited by ' + who;\n");
      const deadline = Date.now() + 30_000;
      while (!lines.some((line) => /^reloaded in|from the next invocation/.test(line)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { lines, updated, reloads };
    } finally {
      await stop();
    }
  }

  it('runs the rebuilt bundle in the function whose code is its asset folder, naming it', async () => {
    const { lines, updated, reloads } = await saveHandlerEdit((cdkOut) => path.join(cdkOut, 'asset.1'));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^changed: helper\.ts: rebuilt handler\.ts in \d+ ms, no synthesis: Summarize runs it from the next invocation/,
      ),
    );
    expect(updated).toEqual(['Summarize']);
    expect(reloads).toBe(0);
  });

  it('pauses the standby synthesis from the rebuild until the function runs the new code, so that they do not share the cores', async () => {
    const steps: string[] = [];
    vi.spyOn(StandbySynth.prototype, 'hold').mockImplementation(() => {
      steps.push('held');
      return () => steps.push('released');
    });
    await saveHandlerEdit((cdkOut) => path.join(cdkOut, 'asset.1'), steps);
    expect(steps).toEqual(['held', 'Summarize', 'released']);
  });

  it('synthesizes instead, saying why, when no function runs the asset folder the bundle was found in: it never says a blank name runs it', async () => {
    const { lines, updated, reloads } = await saveHandlerEdit((cdkOut) => path.join(cdkOut, 'asset.elsewhere'));
    expect(lines.join('\n')).not.toMatch(/run(s)? it from the next invocation/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^changed: helper\.ts: rebuilt handler\.ts, but no function runs its asset folder \(.*asset\.1\).*synthesizing instead$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^reloaded in [\d.]+ s: function Summarize \(code\)$/));
    expect(updated).toEqual([]);
    expect(reloads).toBe(1);
  });
});

describe('startDevServer, a handler saved while dev was stopped', () => {
  /**
   * A stand-in runtime whose one function runs `codeOf(cdkOut)`, or the folder the launch's
   * `replacedCode` gives in its place, as the runtime starts it; prepared as the launcher prepares one.
   */
  function standIn(codeOf: (cdkOut: string) => string) {
    const updated: string[] = [];
    let replaced: ReadonlyMap<string, string> = new Map();
    const standIn = standInLauncher(async (options) => {
      replaced = options.replacedCode?.() ?? new Map();
      const codePath = codeOf(options.cdkOut);
      const startedOn = replaced.get(path.resolve(codePath));
      const runtime = {
        url: 'http://127.0.0.1:0',
        definitions: { functions: [{ name: 'Summarize', codePath }] },
        lambda: {
          updateFunctionCode: async (name: string) => updated.push(name),
          updatedCode: () => (startedOn === undefined ? [] : [{ name: 'Summarize', codePath: startedOn }]),
        },
        reload: async () => ({ reloaded: [], needsRestart: [] }),
        warm: async () => {},
      };
      await options.prepare?.(runtime);
      return runtime;
    });
    return { ...standIn, updated, replaced: () => replaced };
  }

  async function restartAfterEdit(codeOf: (cdkOut: string) => string) {
    const root = project({ ...APP, 'cdk.json': JSON.stringify({ app: `"${process.execPath}" app.mjs` }) });
    const options = { root, settings: {} as never, synth: true, watch: false, typecheck: false };
    const first = standIn(codeOf);
    await startDevServer({ ...options, io: first.io, launcher: first.launcher });
    await first.stop();
    write(root, 'helper.ts', "export const greet = (who: string) => 'edited by ' + who;\n");
    const second = standIn(codeOf);
    await startDevServer({ ...options, io: second.io, launcher: second.launcher });
    await second.stop();
    return { root, ...second };
  }

  it('starts the function whose code is its asset folder on the rebuilt bundle, with no switch after the start, saying nothing is unrun', async () => {
    const { root, lines, updated, replaced } = await restartAfterEdit((cdkOut) => path.join(cdkOut, 'asset.1'));
    expect([...replaced()]).toEqual([
      [path.join(root, '.switchyard', 'cdk.out', 'asset.1'), expect.stringContaining(path.join(root, '.switchyard'))],
    ]);
    expect(updated).toEqual([]);
    expect(lines.join('\n')).not.toMatch(/runs in no function/);
  });

  it('says so when no function runs the asset folder the rebuilt bundle replaces: the edit does not run without a word', async () => {
    const { lines, updated } = await restartAfterEdit((cdkOut) => path.join(cdkOut, 'asset.elsewhere'));
    expect(updated).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^switchyard dev: a handler rebuilt since the last synthesis runs in no function \(its asset folder .*asset\.1\)/,
      ),
    );
  });
});

describe('HandlerCode', () => {
  async function handlerCode(): Promise<{ root: string; code: HandlerCode; record: SynthRecord }> {
    const root = project(APP);
    const { record } = await synthesizeApp(root);
    return { root, code: new HandlerCode(root, path.join(root, '.switchyard', 'code'), record), record };
  }

  it('plans a synthesis for a file the synthesis read, a rebuild for a file only a bundle read, nothing for a file nothing reads', async () => {
    const { root, code, record } = await handlerCode();
    expect(code.plan([path.join(root, 'settings.json')])).toEqual({ kind: 'synth', reason: "the app's synthesis reads settings.json" });
    expect(code.plan([path.join(root, 'helper.ts')])).toEqual({ kind: 'code', bundles: record.bundles });
    write(root, 'unused.ts', 'export {};\n');
    expect(code.plan([path.join(root, 'unused.ts')])).toEqual({ kind: 'none' });
    code.failed();
    expect(code.plan([path.join(root, 'helper.ts')])).toEqual({ kind: 'synth', reason: 'the last synthesis failed' });
  });

  it('counts a file added to a folder the synthesis listed as read, whatever its name: cdk.json may exclude **/*.js', () => {
    const root = '/app';
    const record: SynthRecord = {
      version: 3,
      cdkOut: '/app/cdk.out',
      complete: true,
      read: [],
      listed: [{ folder: '/app/lambda_code', entries: ['package.json'] }],
      env: {},
      bundles: [],
      copies: [],
    };
    const code = new HandlerCode(root, '/app/.switchyard/code', record);
    expect(code.reads('/app/lambda_code/app.js')).toBe(true);
    expect(code.reads('/app/lambda_code/nested/app.js')).toBe(false);
    expect(code.reads('/app/other/app.js')).toBe(false);
  });

  it('knows which files the last good synthesis saw, a failed one after it keeping them: a gone file it never saw came and went unseen', () => {
    const record: SynthRecord = {
      version: 3,
      cdkOut: '/app/cdk.out',
      complete: true,
      read: [{ file: '/app/lib/stack.ts', size: 1, mtimeMs: 1 }],
      listed: [{ folder: '/app/lambda_code', entries: ['index.js'] }],
      env: {},
      bundles: [],
      copies: [{ assetDir: '/app/cdk.out/asset.1', source: '/app/py', files: [{ file: '/app/py/main.py', size: 1, mtimeMs: 1 }] }],
    };
    const code = new HandlerCode('/app', '/app/.switchyard/code', record);
    for (const file of ['/app/lib/stack.ts', '/app/lambda_code/index.js', '/app/py/main.py']) expect(code.saw(file)).toBe(true);
    // An editor's backup beside a listed or copied file: the folder is read, the file never was.
    for (const file of ['/app/lambda_code/index.js~', '/app/py/main.py.swp', '/app/lib/notes.ts']) expect(code.saw(file)).toBe(false);
    code.failed();
    expect(code.saw('/app/lib/stack.ts')).toBe(true);
  });

  it("rebuilds a bundle into a folder of its own with the synthesis's options, and keeps what it replaces for a restart", async () => {
    const { root, code, record } = await handlerCode();
    write(root, 'helper.ts', "export const greet = (who: string) => 'rebuilt by ' + who;\n");
    expect(code.stale()).toEqual(record.bundles);
    const [outcome] = await code.rebuild(record.bundles);
    await code.dispose();
    if (outcome === undefined || !('rebuilt' in outcome)) throw new Error(`not rebuilt: ${JSON.stringify(outcome)}`);
    const rebuilt = readFileSync(path.join(outcome.rebuilt.dir, 'index.mjs'), 'utf8');
    expect(rebuilt).toContain('rebuilt by');
    expect(rebuilt).toContain('import{createRequire as __cr}');
    // Its source map names the sources where they are (a stack trace's file and line are the user's own).
    const map = JSON.parse(readFileSync(path.join(outcome.rebuilt.dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.map((source) => path.resolve(outcome.rebuilt.dir, source)).sort()).toEqual(
      [path.join(root, 'handler.ts'), path.join(root, 'helper.ts')].sort(),
    );
    // What the after-bundling hook put in the asset folder stays beside the rebuilt bundle.
    expect(readFileSync(path.join(outcome.rebuilt.dir, 'model.json'), 'utf8')).toBe('{"weights":[1]}');
    expect(code.stale()).toEqual([]);
    // A restart reads what was rebuilt since the same synthesis.
    const again = new HandlerCode(root, path.join(root, '.switchyard', 'code'), record);
    expect(again.replacements()).toEqual(new Map([[record.bundles[0]?.assetDir, outcome.rebuilt.dir]]));
    expect(again.stale()).toEqual([]);
  });

  it('stores a rebuilt bundle for the next synthesis with the source map the synthesis would write, naming the sources from the asset folder', async () => {
    const root = project(APP);
    const { record } = await synthesizeApp(root);
    const cache = path.join(root, '.switchyard', 'bundle-cache');
    const code = new HandlerCode(root, path.join(root, '.switchyard', 'code'), record, cache);
    write(root, 'helper.ts', "export const greet = (who: string) => 'cached by ' + who;\n");
    await code.rebuild(record.bundles);
    // Not before the functions run it: the rebuild alone leaves the cache as the synthesis left it.
    const entry = path.join(cache, record.bundles[0]?.key ?? '', 'out', 'index.mjs');
    expect(readFileSync(entry, 'utf8')).not.toContain('cached by');
    code.storeRebuilt();
    expect(readFileSync(entry, 'utf8')).toContain('cached by');
    await code.dispose();
    // The next synthesis takes the bundle from the cache, as it would have built it.
    expect((await synthesizeApp(root)).bundlePid).toBe(0);
    const asset = path.join(root, '.switchyard', 'cdk.out', 'asset.1');
    expect(readFileSync(path.join(asset, 'index.mjs'), 'utf8')).toContain('cached by');
    const map = JSON.parse(readFileSync(path.join(asset, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.map((source) => path.resolve(asset, source)).sort()).toEqual(
      [path.join(root, 'handler.ts'), path.join(root, 'helper.ts')].sort(),
    );
    // Byte for byte what esbuild writes for the same sources: CDK names the asset folder the same.
    const cached = ['index.mjs', 'index.mjs.map'].map((file) => readFileSync(path.join(asset, file), 'utf8'));
    rmSync(cache, { recursive: true, force: true });
    expect((await synthesizeApp(root)).bundlePid).not.toBe(0);
    expect(['index.mjs', 'index.mjs.map'].map((file) => readFileSync(path.join(asset, file), 'utf8'))).toEqual(cached);
  });

  it('fails to rebuild a bundle whose source does not compile, naming the file, line and column', async () => {
    const { root, code, record } = await handlerCode();
    write(root, 'helper.ts', 'export const greet = (who: string) => `unterminated;\n');
    const [outcome] = await code.rebuild(record.bundles);
    await code.dispose();
    expect(outcome && 'error' in outcome && outcome.error.lines).toEqual([expect.stringMatching(/^helper\.ts:\d+:\d+: Unterminated/)]);
    expect(code.replacements().size).toBe(0);
  });
});

describe('synthErrorLines', () => {
  it("shows the app's error without the minified line Node quotes from a library, nor the library's stack frames", () => {
    const minified = `"use strict";var x=${'a'.repeat(2000)};`;
    const output = [
      'Bundling asset App/Fn/Code/Stage...',
      '/app/node_modules/aws-cdk-lib/core/lib/errors.js:1',
      minified,
      '                                ^',
      '',
      "ValidationError: There is already a Construct with name 'Orders' in App51Stack [App51]",
      '    at path [App51/Orders] in aws-cdk-lib.aws_dynamodb.Table',
      '    at new App51Stack (/app/lib/app51-stack.ts:31:19)',
      '    at Object.<anonymous> (/app/node_modules/aws-cdk-lib/core/lib/app.js:1:2)',
      '    at Module._compile (node:internal/modules/cjs/loader:1730:14)',
      '',
      'Node.js v24.21.0',
    ].join('\n');
    expect(synthErrorLines(output)).toEqual([
      'Bundling asset App/Fn/Code/Stage...',
      '',
      "ValidationError: There is already a Construct with name 'Orders' in App51Stack [App51]",
      '    at path [App51/Orders] in aws-cdk-lib.aws_dynamodb.Table',
      '    at new App51Stack (/app/lib/app51-stack.ts:31:19)',
      '    ... 2 frames in node_modules',
      '',
    ]);
  });
});
