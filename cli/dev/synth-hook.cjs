// Preloaded (NODE_OPTIONS=--require) into the processes of a CDK app that `switchyard dev`
// synthesizes, and only there. It changes nothing the app writes: it records what the
// synthesis read and how each function was bundled, so that dev can tell a handler edit
// (rebundle that function, no synthesis) from an infrastructure edit (synthesize again), and
// start from its last synthesis when nothing it read has changed (docs/local-runtime.md,
// "The inner loop"). Plain JavaScript on Node's public APIs only: it runs in the app's Node,
// with the app's aws-cdk-lib, whatever their versions. CommonJS given to --require, because an
// --import preload makes Node load the app's main entry with its ES module loader: a ts-node
// app (`cdk init`'s `npx ts-node --prefer-ts-exts bin/app.ts`) then has its .ts main stripped
// by Node itself on Node 24, not compiled by ts-node, and its extensionless imports fail.
//
//   SWITCHYARD_SYNTH_RECORD  folder each process writes <pid>.json into when it exits
//   SWITCHYARD_BUNDLE_CACHE  folder of esbuild outputs by invocation: a bundle whose every
//                            input is unchanged is copied from there instead of built again
//   SWITCHYARD_SYNTH_STANDBY a standby synthesis (cli/dev/standby.ts): JSON { go, owner, preload, hold }.
//                            The app's process, at its first own module, requires the modules the
//                            file `preload` lists (those of node_modules the last synthesis's app
//                            process loaded, in order), pausing between two while the file `hold`
//                            exists (dev applies a handler edit: the cores are the edit's), writes
//                            <recordDir>/ready.json (what it loaded so far) and waits until the
//                            file `go` exists; it ends when the dev process `owner` is gone.
const childProcess = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const nodeModule = require('node:module');
const path = require('node:path');
const { fileURLToPath } = require('node:url');

// The hook's own reads (the cache, a bundle's digest) are not the app's: it keeps the originals,
// and reads nothing while it bundles (fs.readFileSync itself calls fs.openSync, the one watched).
// existsSync too: aws-cdk-lib's perf counters wrap fs's functions in one that requires a module
// on its first call, and the standby's hold check runs in the resolve hook (a check there
// through the wrapper resolves that module, which checks again, without end).
const { readFileSync, openSync, readdirSync, existsSync } = fs;
const readFileAsync = fs.promises.readFile;
let bundling = 0;
/** While a standby preloads: pauses while dev holds it (standBy). */
let whileHeld;

const recordDir = process.env.SWITCHYARD_SYNTH_RECORD;
const cacheDir = process.env.SWITCHYARD_BUNDLE_CACHE;
const standby = process.env.SWITCHYARD_SYNTH_STANDBY ? JSON.parse(process.env.SWITCHYARD_SYNTH_STANDBY) : undefined;
if (recordDir) install(recordDir);

/** What this process read and ran, written to `<recordDir>/<pid>.json` when it exits. */
function install(recordDir) {
  const seen = {
    modules: new Set(),
    reads: new Set(),
    listed: new Set(),
    env: new Set(),
    preload: new Set(),
    bundles: [],
    commands: [],
    unfollowed: [],
    app: false,
  };
  const started = performance.now();
  const env = process.env;
  watchModules(seen, () => {
    watchEnvironment(seen, env);
    if (standby) standBy(seen, recordDir, standby);
  });
  watchReads(seen);
  watchCommands(seen);
  nodeModule.syncBuiltinESMExports();
  process.on('exit', () => {
    for (const file of Object.keys(require.cache ?? {})) seen.modules.add(file);
    const values = {};
    // An unset variable the app looked for counts too: setting it later changes the app.
    for (const key of seen.env) values[key] = env[key] ?? null;
    const record = {
      pid: process.pid,
      argv: process.argv.slice(1),
      cwd: process.cwd(),
      ms: Math.round(performance.now() - started),
      hooks: typeof nodeModule.registerHooks === 'function',
      app: seen.app,
      modules: [...seen.modules],
      reads: [...seen.reads],
      listed: [...seen.listed],
      preload: [...seen.preload],
      env: values,
      bundles: seen.bundles,
      commands: seen.commands,
      unfollowed: seen.unfollowed,
    };
    fs.writeFileSync(path.join(recordDir, `${process.pid}.json`), JSON.stringify(record));
  });
}

/**
 * The modules the process loads, ES modules and CommonJS alike (Node 22.15 and newer; on an
 * older Node only CommonJS's require.cache at exit, and dev synthesizes every time then). The
 * first module outside node_modules marks the app's own process (not npx's or tsx's launcher).
 */
function watchModules(seen, onAppModule) {
  if (typeof nodeModule.registerHooks !== 'function') return;
  nodeModule.registerHooks({
    resolve(specifier, context, next) {
      whileHeld?.();
      const resolved = next(specifier, context);
      if (resolved.url?.startsWith('file:')) {
        const file = fileURLToPath(resolved.url);
        seen.modules.add(file);
        const dependency = file.split(path.sep).includes('node_modules');
        // A dependency's module the app's process loads: what a standby synthesis loads ahead of the app.
        if (dependency && seen.app && PRELOADABLE.test(file)) seen.preload.add(file);
        if (!seen.app && !dependency) {
          seen.app = true;
          onAppModule();
        }
      }
      return resolved;
    },
  });
}

/** JavaScript and JSON modules, which require() loads (not a native addon, not a TypeScript file a loader compiles). */
const PRELOADABLE = /\.(c|m)?js$|\.json$/;

/**
 * A standby synthesis, at the app's first own module: loads the modules of node_modules the
 * app's process loaded last time (aws-cdk-lib's: most of a small app's synthesis; by their
 * files, since aws-cdk-lib loads its submodules when first used), says what it loaded,
 * then waits for dev's go before the app's own code runs (pausing between two modules while dev
 * holds it, `hold`). A package that does not load here is
 * left to the app, which imports it and reports its own error as a synthesis without a standby
 * would. Waits with Atomics.wait: nothing of the app may run meanwhile, and the wait takes no CPU.
 */
function standBy(seen, recordDir, { go, owner, preload, hold }) {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  /** Waits 10 ms, taking no CPU; ends this process when dev is gone (killed without its exit handler): it is nobody's. */
  const pause = () => {
    try {
      process.kill(owner, 0);
    } catch (error) {
      if (error.code === 'ESRCH') process.exit(1);
    }
    Atomics.wait(sleeper, 0, 0, 10);
  };
  // Loading aws-cdk-lib takes a core for seconds after each start and synthesis; a handler edit
  // dev applies meanwhile (esbuild's rebuild, the new code's init) waits on the cores, so the
  // loading pauses while dev holds it, at the next module it resolves (one require of
  // aws-cdk-lib's index resolves hundreds). `held` tells whoever holds it that it paused.
  if (hold !== undefined) {
    // Once at a time: a wrapped fs function the wait calls may resolve a module itself.
    let waiting = false;
    whileHeld = () => {
      if (waiting || !existsSync(hold)) return;
      waiting = true;
      try {
        fs.writeFileSync(path.join(recordDir, 'held'), '');
        while (existsSync(hold) && !existsSync(go)) pause();
      } finally {
        waiting = false;
      }
    };
  }
  for (const file of JSON.parse(readFileSync(preload, 'utf8'))) {
    whileHeld?.();
    try {
      require(file);
    } catch {
      // Not loadable ahead (an ES module with top-level await, a file gone): the app loads it itself.
    }
  }
  whileHeld = undefined;
  const loaded = [...seen.modules, ...Object.keys(require.cache ?? {})];
  fs.writeFileSync(path.join(recordDir, 'ready.json'), JSON.stringify({ pid: process.pid, modules: loaded, reads: [...seen.reads] }));
  while (!fs.existsSync(go)) pause();
}

/**
 * The environment variables the app reads (STAGE=prod npx switchyard dev synthesizes another
 * app). Only in the app's process: npm's own code does not run with process.env replaced.
 */
function watchEnvironment(seen, env) {
  // A copy of the whole environment (`{ ...process.env }` for a child process) asks for each
  // variable's descriptor before its value: those are not the app reading a variable.
  const copying = new Set();
  process.env = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string' && !copying.delete(key)) seen.env.add(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      if (typeof key === 'string') seen.env.add(key);
      return Reflect.has(target, key);
    },
    // process.env takes a value set on itself only (through the proxy, [[Set]] would define it with a partial descriptor).
    set(target, key, value) {
      return Reflect.set(target, key, value);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'string') copying.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

/**
 * Files and folders the synthesis reads itself (a definition file, a JSON, an asset folder's
 * fingerprint, a folder listed to make one function per file): a change to one is an
 * infrastructure edit.
 */
function watchReads(seen) {
  const pathOf = (file) => {
    if (typeof file === 'string') return path.resolve(file);
    if (file instanceof URL && file.protocol === 'file:') return fileURLToPath(file);
    return undefined;
  };
  const watchCalls = (target, name, original, into) => {
    target[name] = function (file, ...rest) {
      const read = bundling === 0 ? pathOf(file) : undefined;
      if (read !== undefined) into.add(read);
      return original.call(this, file, ...rest);
    };
  };
  watchCalls(fs, 'readFileSync', readFileSync, seen.reads);
  watchCalls(fs, 'openSync', openSync, seen.reads);
  watchCalls(fs, 'readdirSync', readdirSync, seen.listed);
  watchCalls(fs.promises, 'readFile', readFileAsync, seen.reads);
  // aws-cdk-lib (2.2xx) fingerprints a file asset from a cache in ~/.cdk keyed by its
  // `statSync(file, { bigint: true })`, reading the file only when that changed: the stat is then
  // the synthesis's read of it (an AppSync resolver's Code.fromAsset, say). Other stats are not.
  const statSync = fs.statSync;
  fs.statSync = function (file, options, ...rest) {
    const stats = statSync.call(this, file, options, ...rest);
    const read = bundling === 0 && options?.bigint === true && stats?.isFile() ? pathOf(file) : undefined;
    if (read !== undefined) seen.reads.add(read);
    return stats;
  };
}

/**
 * esbuild's bundlings, run from the cache or followed; every other command the synthesis runs
 * (a bundling hook's copy, a Docker build) is recorded as it was called, for dev to tell what
 * it read.
 */
function watchCommands(seen) {
  const spawnSync = childProcess.spawnSync;
  childProcess.spawnSync = function (...call) {
    const [command, args, options] = call;
    const esbuild = esbuildCall(command, Array.isArray(args) ? args : [], options);
    if (esbuild !== undefined) {
      bundling++;
      try {
        return bundle(esbuild, spawnSync, seen.bundles);
      } finally {
        bundling--;
      }
    }
    seen.commands.push([String(command), ...(Array.isArray(args) ? args.map(String) : [])].join(' ').slice(0, 500));
    return spawnSync.apply(this, call);
  };
  // esbuild's JS API building (build, buildSync, context, called by the app itself) runs its
  // binary as a service that reads the entry points and their imports out of this process's
  // sight: what the synthesis read is then not known, and every change synthesizes (a resolver's
  // TypeScript, say). Its transforms (tsx, esbuild-register) read nothing and change nothing here.
  const unfollowed = (what) => {
    if (!seen.unfollowed.includes(what)) seen.unfollowed.push(what);
  };
  // The asynchronous API's service: started by build and context (a transform-only app runs the synchronous one).
  const spawn = childProcess.spawn;
  childProcess.spawn = function (command, args, ...rest) {
    if (Array.isArray(args) && args.some((arg) => String(arg).startsWith('--service=')) && /esbuild/.test(String(command))) {
      unfollowed('esbuild');
    }
    return spawn.call(this, command, args, ...rest);
  };
  // The synchronous API's calls go to a worker thread of esbuild's own module, where this hook is not: a `build` among them.
  const workerThreads = require('node:worker_threads');
  const Worker = workerThreads.Worker;
  workerThreads.Worker = class extends Worker {
    constructor(filename, ...rest) {
      super(filename, ...rest);
      if (!/[\\/]esbuild[\\/]/.test(String(filename))) return;
      const postMessage = this.postMessage;
      this.postMessage = (message, ...more) => {
        if (message?.command === 'build') unfollowed('esbuild');
        return postMessage.call(this, message, ...more);
      };
    }
  };
}

/**
 * An esbuild bundling run as CDK's NodejsFunction spawns it (`esbuild --bundle <entry>
 * --outfile=...`, directly or through `npx --no-install esbuild`), else undefined.
 */
function esbuildCall(command, args, options) {
  const runner = path.basename(String(command));
  let at;
  if (/^esbuild(\.exe|\.cmd)?$/.test(runner)) at = 0;
  else if (/^(npx|pnpm|yarn|bunx)(\.cmd)?$/.test(runner)) {
    const index = args.indexOf('esbuild');
    if (index === -1) return undefined;
    at = index + 1;
  } else return undefined;
  const esbuildArgs = args.slice(at).map(String);
  const outfile = esbuildArgs.find((arg) => arg.startsWith('--outfile='))?.slice('--outfile='.length);
  if (!esbuildArgs.includes('--bundle') || outfile === undefined) return undefined;
  const cwd = path.resolve(options?.cwd ?? process.cwd());
  return {
    command: String(command),
    runnerArgs: args.slice(0, at).map(String),
    esbuildArgs,
    outfile: path.resolve(cwd, outfile),
    cwd,
    options,
  };
}

/**
 * Runs one bundling: from the cache when every input the last build of the same invocation
 * read is unchanged, else esbuild (the binary `npx --no-install esbuild` would find, without
 * npx's start-up), asking it for the metafile that names the inputs.
 */
function bundle(call, spawnSync, bundles) {
  const outdir = path.dirname(call.outfile);
  const key = invocationKey(call, outdir);
  const entry = cacheDir ? path.join(cacheDir, key) : undefined;
  const started = performance.now();
  const hit = entry ? fromCache(entry, outdir) : undefined;
  if (hit !== undefined) {
    bundles.push({
      ...describe(call),
      key,
      cached: true,
      inputs: hit.inputs,
      outputs: outputDigests(outdir, hit.outputs, call.outfile),
      ms: Math.round(performance.now() - started),
    });
    return {
      pid: 0,
      output: [null, Buffer.alloc(0), Buffer.alloc(0)],
      stdout: Buffer.alloc(0),
      stderr: Buffer.alloc(0),
      status: 0,
      signal: null,
    };
  }
  const given = call.esbuildArgs.find((arg) => arg.startsWith('--metafile='));
  const metafile = given
    ? path.resolve(call.cwd, given.slice('--metafile='.length))
    : path.join(process.env.SWITCHYARD_SYNTH_RECORD, `meta-${key}.json`);
  const args = given ? call.esbuildArgs : [...call.esbuildArgs, `--metafile=${metafile}`];
  const binary = localEsbuild(call);
  const result = binary ? spawnSync(binary, args, call.options) : spawnSync(call.command, [...call.runnerArgs, ...args], call.options);
  if (result.error || result.status !== 0) return result;
  let inputs = [];
  let outputs = [];
  try {
    const meta = JSON.parse(readFileSync(metafile, 'utf8'));
    const resolve = (file) => path.resolve(call.cwd, file.replace(/^[a-z-]+:/, ''));
    inputs = Object.keys(meta.inputs ?? {}).map(resolve);
    outputs = [...Object.keys(meta.outputs ?? {}).map(resolve), ...(given ? [metafile] : [])];
  } catch {
    // No metafile (an esbuild too old to write one): the bundle is not cached, nor rebuilt alone.
  }
  if (entry && inputs.length > 0 && outputs.every((file) => path.dirname(file) === outdir)) toCache(entry, outputs, inputs);
  bundles.push({
    ...describe(call),
    key,
    cached: false,
    inputs,
    outputs: outputDigests(
      outdir,
      outputs.filter((file) => path.dirname(file) === outdir && file !== metafile).map((file) => path.basename(file)),
      call.outfile,
    ),
    ms: Math.round(performance.now() - started),
  });
  return result;
}

function describe(call) {
  return { command: call.command, runnerArgs: call.runnerArgs, esbuildArgs: call.esbuildArgs, outfile: call.outfile, cwd: call.cwd };
}

/** The invocation without the folder it writes to (a new temporary folder each synthesis). */
function invocationKey(call, outdir) {
  const args = call.esbuildArgs.map((arg) => arg.split(outdir).join('<out>'));
  return createHash('sha256')
    .update(JSON.stringify({ cwd: call.cwd, args, esbuild: esbuildVersion(call) }))
    .digest('hex')
    .slice(0, 32);
}

function localEsbuild(call) {
  for (let dir = call.cwd; ; dir = path.dirname(dir)) {
    const binary = path.join(dir, 'node_modules', '.bin', process.platform === 'win32' ? 'esbuild.cmd' : 'esbuild');
    if (fs.existsSync(binary)) return binary;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function esbuildVersion(call) {
  try {
    return nodeModule.createRequire(path.join(call.cwd, 'package.json'))('esbuild/package.json').version;
  } catch {
    return 'unknown';
  }
}

function digestOf(file) {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Each input's size, time and content hash, so an unchanged input is told by its stat alone. */
function fingerprint(file) {
  const stat = fs.statSync(file);
  return { file, size: stat.size, mtimeMs: stat.mtimeMs, sha256: digestOf(file) };
}

/** esbuild's own outputs (not what a hook put beside them), with what they were built from. */
function toCache(entry, outputs, inputs) {
  try {
    fs.rmSync(entry, { recursive: true, force: true });
    fs.mkdirSync(path.join(entry, 'out'), { recursive: true });
    for (const file of outputs) fs.copyFileSync(file, path.join(entry, 'out', path.basename(file)));
    fs.writeFileSync(path.join(entry, 'inputs.json'), JSON.stringify(inputs.map(fingerprint)));
  } catch {
    // A cache that cannot be written costs the next synthesis its time, nothing else.
    fs.rmSync(entry, { recursive: true, force: true });
  }
}

function fromCache(entry, outdir) {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(path.join(entry, 'inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  for (const input of inputs) {
    let stat;
    try {
      stat = fs.statSync(input.file);
    } catch {
      return undefined;
    }
    if (stat.size === input.size && stat.mtimeMs === input.mtimeMs) continue;
    if (stat.size !== input.size || digestOf(input.file) !== input.sha256) return undefined;
  }
  fs.mkdirSync(outdir, { recursive: true });
  fs.cpSync(path.join(entry, 'out'), outdir, { recursive: true });
  return { inputs: inputs.map((input) => input.file), outputs: readdirSync(path.join(entry, 'out')) };
}

/**
 * The sha256 of each file esbuild wrote (the bundle and its source map), by name, taken before
 * an after-bundling hook adds its files: dev finds the asset folders the bundle ended in by all
 * of them, since two folders may hold the same index.mjs with another source map (one built
 * from a rebuilt handler's cached output) or other files beside it (two functions of one entry).
 */
function outputDigests(outdir, names, outfile) {
  const digests = {};
  // Without a metafile, the bundle itself is all that is known of the outputs.
  for (const name of names.length > 0 ? names : [path.basename(outfile)]) {
    const sha = digestOf(path.join(outdir, name));
    if (sha !== undefined) digests[name] = sha;
  }
  return digests;
}
