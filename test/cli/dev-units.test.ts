import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { contextPairs, prepareStateFolder, readCdkProject, withCommandContext } from '../../cli/dev/project.js';
import { changedFiles } from '../../cli/dev/report-lines.js';
import { forgetRunningApp, keepRunningApp } from '../../cli/dev/running-app.js';
import { startDevPrelude, startDevServer } from '../../cli/dev/server.js';
import { SynthError, synthesize, synthFailureLine, withoutNpx } from '../../cli/dev/synth.js';
import { TypeCheck } from '../../cli/dev/type-check.js';
import { excludingFolder, isSource, SourceWatcher } from '../../cli/dev/watch.js';
import { RUNNING_CDK_OUT, RUNNING_DEV, SYNTH_FAILED } from '../../inspect/assembly.js';
import { CliError } from '../../inspect/errors.js';
import { processRuns } from '../helpers/processes.js';
import { assembliesIn, useTempFolders } from '../helpers/temp-folders.js';
import { standInLauncher } from './dev-stand-in.js';

const { withFiles: project } = useTempFolders('switchyard-dev-unit-');

/**
 * The priorities TypeCheck gives its tsc processes, recorded and not applied: at background
 * priority tsc gets a tenth of a core while npm test's other files keep both busy, and its
 * checks here took 13 s of the run (20 s beside the rule tests). The tests check it asks for it.
 */
const priorities = vi.hoisted((): [number | undefined, number][] => []);
vi.mock('node:os', async (importOriginal) => {
  const os = await importOriginal<typeof import('node:os')>();
  const setPriority = (pid: number, priority?: number) => {
    priorities.push(priority === undefined ? [undefined, pid] : [pid, priority]);
  };
  return { ...os, default: { ...os, setPriority }, setPriority };
});

describe('readCdkProject', () => {
  it("reads the app command, cdk.json's watch and the context, cdk.json's winning over cdk.context.json's", () => {
    const root = project({
      'cdk.json': JSON.stringify({ app: 'npx tsx bin/app.ts', watch: { include: 'lib/**' }, context: { flag: true, shared: 'json' } }),
      'cdk.context.json': JSON.stringify({ lookup: 'vpc-1', shared: 'context-file' }),
    });
    expect(readCdkProject(root)).toEqual({
      root,
      app: 'npx tsx bin/app.ts',
      context: { lookup: 'vpc-1', flag: true, shared: 'json' },
      watch: { include: ['lib/**'], exclude: [] },
    });
  });

  it('fails if there is no cdk.json, saying to run it in the app folder', () => {
    const root = project({});
    expect(() => readCdkProject(root)).toThrow(CliError);
    expect(() => readCdkProject(root)).toThrow(`no cdk.json in ${root} or a folder above it: switchyard dev runs a CDK app`);
  });

  it('fails if cdk.json has no app command or is not JSON', () => {
    expect(() => readCdkProject(project({ 'cdk.json': '{}' }))).toThrow(/has no "app" command: add the command that synthesizes the app/);
    expect(() => readCdkProject(project({ 'cdk.json': '{ app:' }))).toThrow(/cannot read .*cdk\.json: .*; fix the JSON/);
  });
});

describe('withCommandContext', () => {
  it("puts --context values over cdk.json's context, as strings, as the CDK CLI merges them", () => {
    const root = project({ 'cdk.json': JSON.stringify({ app: 'x', context: { interval: 5, stage: 'dev' } }) });
    const given = withCommandContext(readCdkProject(root), contextPairs(['--port', '4566', '-c', 'interval=1', '--context=name=a=b']));
    expect(given.context).toEqual({ interval: '1', stage: 'dev', name: 'a=b' });
    expect(given.commandContext).toEqual({ interval: '1', name: 'a=b' });
    expect(withCommandContext(readCdkProject(root), []).commandContext).toBeUndefined();
  });

  it('fails if a --context value is not key=value, naming it', () => {
    const root = project({ 'cdk.json': JSON.stringify({ app: 'x' }) });
    expect(() => withCommandContext(readCdkProject(root), ['interval'])).toThrow(
      '--context "interval": give it as key=value, as cdk deploy --context takes it',
    );
    expect(() => withCommandContext(readCdkProject(root), ['=1'])).toThrow(CliError);
  });
});

describe('prepareStateFolder', () => {
  it('writes a .gitignore ignoring everything and says so once', () => {
    const root = project({});
    const lines: string[] = [];
    prepareStateFolder(root, (line) => lines.push(line));
    prepareStateFolder(root, (line) => lines.push(line));
    expect(readFileSync(path.join(root, '.switchyard', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(lines).toEqual([
      "note: .switchyard/ holds switchyard dev's local state (the synthesized app and the runtime's data) and is git-ignored",
    ]);
  });
});

describe('synthesize', () => {
  it('runs the app command in the project with CDK_OUTDIR and the context (with asset metadata on), as the CDK CLI does', async () => {
    const root = project({
      'cdk.json': '{}',
      'app.mjs': `import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ cwd: process.cwd(), context: JSON.parse(process.env.CDK_CONTEXT_JSON) }));`,
    });
    const outdir = path.join(root, '.switchyard', 'cdk.out');
    const result = await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: { flag: 'on' } }, outdir);
    expect(result.cdkOut).toBe(outdir);
    const written = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(written.cwd).toBe(root);
    expect(written.context).toMatchObject({ flag: 'on', 'aws:cdk:enable-asset-metadata': true });
  });

  it("runs the app without npx's package list when switchyard itself was started by `npx --package`, so the app's own npx (NodejsFunction's `npx --no-install esbuild`) resolves in the app", async () => {
    // npx --package <spec> hands its packages to the command it runs as npm_config_package; a
    // nested `npx --no-install esbuild` would then look for esbuild among switchyard's packages
    // ("npx canceled due to missing packages and no YES option") instead of the app's.
    vi.stubEnv('npm_config_package', '/tmp/switchyard-cli-0.1.0.tgz');
    try {
      const root = project({
        'cdk.json': '{}',
        'app.mjs': `import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ package: process.env.npm_config_package ?? null }));`,
      });
      const outdir = path.join(root, 'out');
      await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, outdir);
      expect(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'))).toEqual({ package: null });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('says to install the bin npx refused to fetch, naming it, when the app command names one the project does not install', async () => {
    // `"app": "npx tsx bin/app.ts"` in a project without tsx, where npm's `yes` is false (an .npmrc's yes=false).
    const root = project({
      'cdk.json': '{}',
      'app.mjs': `console.error('npm error npx canceled due to missing packages and no YES option: ["tsx@4.23.15"]'); process.exit(1);`,
    });
    const failed = await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, path.join(root, 'out')).catch((e) => e);
    expect(failed).toBeInstanceOf(SynthError);
    expect(failed.message).toMatch(
      /failed \(.*: exit 1\): npx would fetch tsx, which the project does not install, and npm's `yes` setting refused it; install it in the project \(npm install --save-dev tsx\)$/,
    );
  });

  it('says that an asset is bundled in Docker and no Docker daemon answers, rather than only that the app failed', async () => {
    // serverless-patterns cdk-lambda-scheduler-ses: Code.fromAsset with bundling.image (pip install in the Python image).
    const root = project({
      'cdk.json': '{}',
      'app.mjs': `console.error('docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
console.error('Failed to bundle asset Stack/Fn/Code/Stage, bundle output is located at /x/asset.1-building: CommandExecutionFailed: docker exited with status 125'); process.exit(1);`,
    });
    const failed = await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, path.join(root, 'out')).catch((e) => e);
    expect(failed).toBeInstanceOf(SynthError);
    expect(failed.message).toMatch(
      /failed \(.*: exit 1\): Stack\/Fn\/Code\/Stage is bundled in a Docker container \(its `bundling` names an image, as cdk synth runs it\), and no Docker daemon answers \(switchyard dev runs the bundle it builds, and cannot build it without Docker\)$/,
    );
    expect(failed.remedy).toBe('start Docker');
  });

  it('says that a bundling image is built with Docker and no Docker daemon answers, for a construct that builds its image first', async () => {
    // serverless-patterns api-gateway-cors-whitelist-cdk: GoFunction without a local Go builds its image with docker build.
    const root = project({
      'cdk.json': '{}',
      'app.mjs': `console.error('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
console.error('«CommandExecutionFailed» docker exited with status 1');
console.error('--> Command: docker build -t cdk-4f82 --platform "linux/amd64" --build-arg "IMAGE=public.ecr.aws/sam/build-go1.x" "/x/lib"'); process.exit(1);`,
    });
    const failed = await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, path.join(root, 'out')).catch((e) => e);
    expect(failed).toBeInstanceOf(SynthError);
    expect(failed.message).toMatch(
      /failed \(.*: exit 1\): a function's bundling image is built with Docker \(docker build, as cdk synth runs it; the construct's frame above names which\), and no Docker daemon answers \(switchyard dev runs the bundle it builds, and cannot build it without Docker\)$/,
    );
    expect(failed.remedy).toBe('start Docker');
  });

  it("says to run npm install when the bin npx refused to fetch is one the project's package.json declares (its install failed or never ran)", async () => {
    // serverless-patterns waf-appsync-cdk: its npm install fails (ETARGET on another dependency), so the ts-node it declares is absent.
    const root = project({
      'cdk.json': '{}',
      'package.json': JSON.stringify({ devDependencies: { 'ts-node': '^10.9.1' } }),
      'app.mjs': `console.error('npm error npx canceled due to missing packages and no YES option: ["ts-node@10.9.2"]'); process.exit(1);`,
    });
    const failed = await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, path.join(root, 'out')).catch((e) => e);
    expect(failed).toBeInstanceOf(SynthError);
    expect(failed.message).toMatch(
      /: npx would fetch ts-node, which the project's package.json declares but its node_modules does not hold, and npm's `yes` setting refused it; run npm install in .* \(if it fails, its error names what it cannot install\)$/,
    );
  });

  it("finds switchyard's own esbuild on PATH, after the user's, so NodejsFunction bundles with it rather than in Docker when the app installed none", async () => {
    // aws-lambda-nodejs's PackageInstallation.detect: esbuild resolved from the app, else
    // `esbuild --version` on PATH, else Docker. PATH here holds Node's folder and no esbuild.
    vi.stubEnv('PATH', path.dirname(process.execPath));
    try {
      const root = project({
        'cdk.json': '{}',
        'app.mjs': `import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
const proc = spawnSync('esbuild', ['--version']);
mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ status: proc.status, path: process.env.PATH }));`,
      });
      const outdir = path.join(root, 'out');
      await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, outdir);
      const written = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
      expect(written.status).toBe(0);
      expect(written.path.split(path.delimiter)[0]).toBe(path.dirname(process.execPath));
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("runs an app command's `npx <bin>` as the project's node_modules/.bin/<bin> with that folder first on PATH, as npx would, without npx", async () => {
    // npx marks what it runs with npm_command=exec; the app below says whether it was run so.
    vi.stubEnv('npm_command', undefined);
    try {
      const root = project({
        'cdk.json': '{}',
        'app.mjs': `import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ args: process.argv.slice(2), npx: process.env.npm_command ?? null, path: process.env.PATH.split(':')[0] }));`,
      });
      const bins = path.join(root, 'node_modules', '.bin');
      mkdirSync(bins, { recursive: true });
      writeFileSync(path.join(bins, 'run-app'), `#!/bin/sh\nexec "${process.execPath}" app.mjs "$@"\n`, { mode: 0o755 });
      const outdir = path.join(root, 'out');
      await synthesize({ root, app: 'npx run-app --stage dev', context: {} }, outdir);
      expect(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'))).toEqual({
        args: ['--stage', 'dev'],
        npx: null,
        path: bins,
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("runs an app command's `npx tsx <script>` as `node --import tsx <script>`: the script through tsx's loader, with no tsx launcher process before it", async () => {
    const root = project({
      'cdk.json': '{}',
      // TypeScript: it runs only through tsx's loader.
      // Whether a process it runs under (the shell, or tsx's command) runs tsx's bin.
      'app.ts': `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
let tsxLauncher = false;
for (let pid: number = process.ppid, up = 0; up < 3 && pid > 1; up++) {
  if (/[.]bin[/]tsx\\0|tsx[/]dist[/]cli[.]mjs/.test(readFileSync('/proc/' + pid + '/cmdline', 'utf8'))) tsxLauncher = true;
  pid = Number(readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ')[1]);
}
mkdirSync(process.env.CDK_OUTDIR as string, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ args: process.argv.slice(2), tsxLauncher }));`,
    });
    const tsx = path.join(root, 'node_modules', 'tsx');
    mkdirSync(path.join(root, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(path.resolve('node_modules', 'tsx'), tsx);
    symlinkSync(path.join(tsx, 'dist', 'cli.mjs'), path.join(root, 'node_modules', '.bin', 'tsx'));
    // The Node tsx's bin would run on (its #!/usr/bin/env node): this one.
    vi.stubEnv('PATH', `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`);
    try {
      const outdir = path.join(root, 'out');
      await synthesize({ root, app: 'npx tsx app.ts --stage dev', context: {} }, outdir);
      expect(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'))).toEqual({
        args: ['--stage', 'dev'],
        tsxLauncher: false,
      });
    } finally {
      vi.unstubAllEnvs();
    }
    const env = { PATH: '/usr/bin' };
    expect(withoutNpx('npx tsx bin/app.ts', root, env).command).toBe('node --import tsx bin/app.ts');
    // tsx's own options and subcommands stay tsx's.
    for (const rest of ['--tsconfig other.json bin/app.ts', 'watch bin/app.ts', "'bin/app.ts'"]) {
      expect(withoutNpx(`npx tsx ${rest}`, root, env).command).toBe(`'${path.join(root, 'node_modules', '.bin', 'tsx')}' ${rest}`);
    }
  });

  it("runs an ES module app's `npx tsx <script>` with tsx's ES module loader alone (`tsx/esm`), a CommonJS one with tsx whole", async () => {
    const root = project({
      'cdk.json': '{}',
      'package.json': JSON.stringify({ type: 'module' }),
      'cjs/package.json': JSON.stringify({ type: 'commonjs' }),
      // A require of the app's TypeScript still goes through tsx's loader (Node 24 serves require from its hooks).
      'app.ts': `import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
const { stage } = createRequire(import.meta.url)('./stage') as { stage: string };
mkdirSync(process.env.CDK_OUTDIR as string, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ stage }));`,
      'stage.ts': "export const stage: string = 'dev';\n",
    });
    mkdirSync(path.join(root, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(path.resolve('node_modules', 'tsx'), path.join(root, 'node_modules', 'tsx'));
    symlinkSync(path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'node_modules', '.bin', 'tsx'));
    const env = { PATH: '/usr/bin' };
    expect(withoutNpx('npx tsx app.ts --stage dev', root, env).command).toBe('node --import tsx/esm app.ts --stage dev');
    expect(withoutNpx('npx tsx bin/app.mts', root, env).command).toBe('node --import tsx/esm bin/app.mts');
    for (const script of ['bin/app.cts', 'cjs/app.ts']) {
      expect(withoutNpx(`npx tsx ${script}`, root, env).command).toBe(`node --import tsx ${script}`);
    }
    vi.stubEnv('PATH', `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`);
    try {
      const outdir = path.join(root, 'out');
      await synthesize({ root, app: 'npx tsx app.ts', context: {} }, outdir);
      expect(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'))).toEqual({ stage: 'dev' });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('leaves to npx an app command that gives npx options or names a bin the project has not installed', () => {
    const root = project({ 'cdk.json': '{}' });
    mkdirSync(path.join(root, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), '');
    const env = { PATH: '/usr/bin' };
    expect(withoutNpx('npx tsx bin/app.ts', root, env)).toEqual({
      command: `'${path.join(root, 'node_modules', '.bin', 'tsx')}' bin/app.ts`,
      env: { PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}/usr/bin` },
    });
    for (const command of [
      'npx ts-node bin/app.ts',
      'npx --yes tsx bin/app.ts',
      'npx tsx@4 bin/app.ts',
      'node bin/app.js',
      'npx tsxx bin/app.ts',
    ]) {
      expect(withoutNpx(command, root, env)).toEqual({ command, env });
    }
  });

  it("gives the app's processes Node's compile cache in dev's state folder, unless the user set one; an edited module runs as edited", async () => {
    const app = (version: number) => `import { mkdirSync, writeFileSync } from 'node:fs';
mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ cache: process.env.NODE_COMPILE_CACHE ?? null, version: ${version} }));`;
    const root = project({ 'cdk.json': '{}', 'app.mjs': app(1) });
    const outdir = path.join(root, 'out');
    const state = { scratch: path.join(root, 'tmp'), bundleCache: path.join(root, 'bundles'), compileCache: path.join(root, 'compiled') };
    const synthesized = async () => {
      await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, outdir, state);
      return JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    };
    vi.stubEnv('NODE_COMPILE_CACHE', undefined);
    try {
      expect(await synthesized()).toEqual({ cache: state.compileCache, version: 1 });
      // Node wrote the app's compiled module there, and checks its content against it the next time.
      expect(readdirSync(state.compileCache).length).toBeGreaterThan(0);
      writeFileSync(path.join(root, 'app.mjs'), app(2));
      expect(await synthesized()).toEqual({ cache: state.compileCache, version: 2 });
      vi.stubEnv('NODE_COMPILE_CACHE', path.join(root, 'mine'));
      expect(await synthesized()).toEqual({ cache: path.join(root, 'mine'), version: 2 });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('fails if the app fails, with its output', async () => {
    const root = project({ 'cdk.json': '{}' });
    const failing = synthesize(
      { root, app: `"${process.execPath}" -e "console.error('boom'); process.exit(4)"`, context: {} },
      path.join(root, 'out'),
    );
    await expect(failing).rejects.toBeInstanceOf(SynthError);
    await expect(failing).rejects.toMatchObject({ output: expect.stringContaining('boom'), message: expect.stringContaining('exit 4') });
  });

  it('fails if the app writes no cloud assembly', async () => {
    const root = project({ 'cdk.json': '{}' });
    await expect(synthesize({ root, app: `"${process.execPath}" -e "0"`, context: {} }, path.join(root, 'out'))).rejects.toThrow(
      /ended without writing a cloud assembly/,
    );
  });
});

describe('synthFailureLine', () => {
  it("names the app's error, not the throw site Node quotes before it", () => {
    const output =
      "file:///app/app.mjs:51\nthrow new Error('broken on purpose');\n^\n\nError: broken on purpose\n    at file:///app/app.mjs:51:7\n";
    expect(synthFailureLine(new SynthError('the app (cdk.json "app") failed (node app.mjs: exit 1)', output))).toBe(
      'Error: broken on purpose',
    );
  });

  it("is the failure's own message when the output names no error", () => {
    expect(synthFailureLine(new SynthError('the app (cdk.json "app") failed (node app.mjs: exit 3)', 'no such stack\n'))).toBe(
      'the app (cdk.json "app") failed (node app.mjs: exit 3)',
    );
  });
});

describe('keepRunningApp', () => {
  it("copies the assembly's manifests and templates for the other commands, leaving its assets out, and replaces the copy before", () => {
    const root = project({
      'cdk.out/manifest.json': '{"version":"2"}',
      'cdk.out/Stack.template.json': '{}',
      'cdk.out/asset.abc/index.mjs': 'export {};',
      'cdk.out/assembly-Stage/manifest.json': '{}',
      'cdk.out/assembly-Stage/asset.def/index.mjs': 'export {};',
      [`${RUNNING_CDK_OUT}/Gone.template.json`]: '{}',
    });
    keepRunningApp(root, path.join(root, 'cdk.out'), 'http://127.0.0.1:4599');
    const running = path.join(root, RUNNING_CDK_OUT);
    expect(readdirSync(running, { recursive: true }).map(String).sort()).toEqual([
      'Stack.template.json',
      'assembly-Stage',
      path.join('assembly-Stage', 'manifest.json'),
      'manifest.json',
    ]);
    expect(readFileSync(path.join(running, 'manifest.json'), 'utf8')).toBe('{"version":"2"}');
  });

  it('writes down beside the copy which process keeps it and its endpoint, and forgetRunningApp removes both', () => {
    const root = project({ 'cdk.out/manifest.json': '{}' });
    keepRunningApp(root, path.join(root, 'cdk.out'), 'http://127.0.0.1:4599');
    const dev = JSON.parse(readFileSync(path.join(root, RUNNING_DEV), 'utf8')) as { pid: number; startedAt: string; endpoint: string };
    expect(dev.pid).toBe(process.pid);
    expect(dev.endpoint).toBe('http://127.0.0.1:4599');
    expect(Date.parse(dev.startedAt)).toBeLessThanOrEqual(Date.now());
    forgetRunningApp(root);
    expect(existsSync(path.join(root, RUNNING_DEV))).toBe(false);
    expect(existsSync(path.join(root, RUNNING_CDK_OUT))).toBe(false);
  });

  it("leaves the copy and record of another dev that still runs (a second dev that failed to start in its folder), and removes an ended one's", async () => {
    const root = project({ 'cdk.out/manifest.json': '{}' });
    keepRunningApp(root, path.join(root, 'cdk.out'), 'http://127.0.0.1:4599');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const record = path.join(root, RUNNING_DEV);
      writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, 'utf8')), pid: other.pid }));
      forgetRunningApp(root);
      expect(existsSync(record)).toBe(true);
      expect(existsSync(path.join(root, RUNNING_CDK_OUT))).toBe(true);
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
    forgetRunningApp(root);
    expect(existsSync(path.join(root, RUNNING_DEV))).toBe(false);
    expect(existsSync(path.join(root, RUNNING_CDK_OUT))).toBe(false);
  });
});

describe('isSource', () => {
  const defaults = { include: ['**'], exclude: ['dist', 'cdk.out'] };

  it('takes every file but dependencies, output and dot-folders by default', () => {
    expect(isSource('lib/stack.ts', defaults)).toBe(true);
    expect(isSource('node_modules/x/index.js', defaults)).toBe(false);
    expect(isSource('dist/bin/app.js', defaults)).toBe(false);
    expect(isSource('.switchyard/cdk.out/manifest.json', defaults)).toBe(false);
    expect(isSource('.git/index', defaults)).toBe(false);
  });

  it("follows cdk.json's watch include and exclude, an excluded folder taking all in it", () => {
    const watch = { include: ['bin/**', 'lib/**'], exclude: ['**/*.test.ts', 'lib/generated'] };
    expect(isSource('lib/stack.ts', watch)).toBe(true);
    expect(isSource('lib/stack.test.ts', watch)).toBe(false);
    expect(isSource('lib/generated/types.ts', watch)).toBe(false);
    expect(isSource('README.md', watch)).toBe(false);
  });
});

describe('SourceWatcher', () => {
  /** Polls until `check` holds (the watcher reports after its quiet time; a loaded machine may take longer). */
  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('reports the changed sources once they are quiet, and new folders, never what is in node_modules', async () => {
    const root = project({ 'lib/stack.ts': '1', 'node_modules/dep/index.js': '1' });
    const batches: (readonly string[])[] = [];
    const watcher = new SourceWatcher(
      root,
      undefined,
      (files) => batches.push(files),
      (error) => batches.push([String(error)]),
      100,
    );
    try {
      writeFileSync(path.join(root, 'node_modules', 'dep', 'index.js'), '2');
      writeFileSync(path.join(root, 'lib', 'stack.ts'), '2');
      await until(() => batches.flat().includes('lib/stack.ts'), 'the change of lib/stack.ts');
      // A folder created with a file in it at once: the folder is the change (the file may come before its watch).
      mkdirSync(path.join(root, 'lib', 'more'));
      writeFileSync(path.join(root, 'lib', 'more', 'new.ts'), '1');
      await until(() => batches.flat().some((file) => file.startsWith('lib/more')), 'the new folder');
    } finally {
      watcher.close();
    }
    expect(batches.flat()).not.toContain('node_modules/dep/index.js');
  });

  it("reports a file the app reads that cdk.json's watch excludes (CDK's **/*.js), never one in node_modules", async () => {
    const root = project({
      'graphql/putEvent.js': '1',
      'graphql/unread.js': '1',
      'lib/stack.ts': '1',
      'node_modules/dep/index.js': '1',
    });
    const batches: (readonly string[])[] = [];
    const read = new Set(['graphql/putEvent.js', 'node_modules/dep/index.js'].map((file) => path.join(root, file)));
    const watcher = new SourceWatcher(
      root,
      { include: ['**'], exclude: ['**/*.js', 'node_modules'] },
      (files) => batches.push(files),
      (error) => batches.push([String(error)]),
      100,
      (file) => read.has(file),
    );
    try {
      writeFileSync(path.join(root, 'node_modules', 'dep', 'index.js'), '2');
      writeFileSync(path.join(root, 'graphql', 'unread.js'), '2');
      writeFileSync(path.join(root, 'graphql', 'putEvent.js'), '2');
      writeFileSync(path.join(root, 'lib', 'stack.ts'), '2');
      await until(() => batches.flat().includes('lib/stack.ts') && batches.flat().includes('graphql/putEvent.js'), 'both changes');
    } finally {
      watcher.close();
    }
    expect([...new Set(batches.flat())].sort()).toEqual(['graphql/putEvent.js', 'lib/stack.ts']);
  });

  it("reports a file of a Node.js layer's nodejs/node_modules the synthesis listed, never the project's own node_modules", async () => {
    const layer = 'resources/layers/helper/nodejs/node_modules/helper';
    const root = project({ [`${layer}/index.js`]: '1', 'node_modules/dep/index.js': '1', 'lib/stack.ts': '1' });
    const batches: (readonly string[])[] = [];
    const listed = [path.join(root, layer), path.join(root, 'node_modules', 'dep')];
    const watcher = new SourceWatcher(
      root,
      undefined,
      (files) => batches.push(files),
      (error) => batches.push([String(error)]),
      100,
      (file) => listed.includes(path.dirname(file)),
    );
    try {
      watcher.watchListed(listed);
      writeFileSync(path.join(root, 'node_modules', 'dep', 'index.js'), '2');
      writeFileSync(path.join(root, layer, 'index.js'), '2');
      writeFileSync(path.join(root, 'lib', 'stack.ts'), '2');
      await until(() => batches.flat().includes('lib/stack.ts') && batches.flat().includes(`${layer}/index.js`), 'both changes');
    } finally {
      watcher.close();
    }
    expect([...new Set(batches.flat())].sort()).toEqual(['lib/stack.ts', `${layer}/index.js`]);
  });

  it("never reports what the runtime writes into a --data folder inside the project, whatever cdk.json's watch says", async () => {
    const root = project({ 'lib/stack.ts': '1', 'data[1]/tables.sqlite': '1' });
    const batches: (readonly string[])[] = [];
    const watch = { include: ['**'], exclude: [] };
    const watcher = new SourceWatcher(
      root,
      excludingFolder(watch, root, path.join(root, 'data[1]')),
      (files) => batches.push(files),
      (error) => batches.push([String(error)]),
      100,
    );
    try {
      writeFileSync(path.join(root, 'data[1]', 'tables.sqlite'), '2');
      mkdirSync(path.join(root, 'data[1]', 'sqs'));
      writeFileSync(path.join(root, 'lib', 'stack.ts'), '2');
      await until(() => batches.flat().includes('lib/stack.ts'), 'the change of lib/stack.ts');
    } finally {
      watcher.close();
    }
    expect(batches.flat()).toEqual(['lib/stack.ts']);
    expect(excludingFolder(watch, root, path.join(path.dirname(root), 'elsewhere'))).toEqual(watch);
  });
});

describe('changedFiles', () => {
  const checks = (there: string[], seen: string[]) => ({
    exists: (file: string) => there.includes(file),
    saw: (file: string) => seen.includes(file),
  });

  it('names the files in order, each once, a removed one said as removed', () => {
    expect(changedFiles(['lib/b.ts', 'lib/a.ts', 'lib/b.ts'], checks(['lib/b.ts'], ['lib/a.ts']))).toEqual({
      files: ['lib/a.ts', 'lib/b.ts'],
      named: 'lib/a.ts (removed), lib/b.ts',
    });
  });

  it('leaves out a file gone that the last synthesis never saw (an editor temporary file), and is undefined when nothing is left', () => {
    expect(changedFiles(['lib/stack.ts', 'lib/stack.ts~'], checks(['lib/stack.ts'], ['lib/stack.ts']))).toEqual({
      files: ['lib/stack.ts'],
      named: 'lib/stack.ts',
    });
    expect(changedFiles(['lambda/4913', 'lambda/index.js.tmp'], checks([], []))).toBeUndefined();
  });

  it('names three files and counts the rest', () => {
    const files = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'];
    expect(changedFiles(files, checks(files, []))?.named).toBe('a.ts, b.ts, c.ts and 2 more');
  });
});

describe('startDevServer --no-synth', () => {
  /** A project with an assembly in each of `dirs`, the later ones synthesized later. */
  const synthesized = (...dirs: string[]): string => assembliesIn(project({ 'cdk.json': JSON.stringify({ app: 'false' }) }), ...dirs);

  /** The assembly the runtime was launched on (a stand-in launcher records it). */
  async function launchedOn(root: string): Promise<string> {
    let cdkOut = '';
    const { launcher, io } = standInLauncher(async (options) => {
      cdkOut = options.cdkOut;
      return {};
    });
    await startDevServer({ root, settings: {} as never, synth: false, watch: false, typecheck: false, io, launcher });
    return cdkOut;
  }

  it('runs the assembly synthesized last, ./cdk.out or .switchyard/cdk.out, as the other commands read it', async () => {
    expect(await launchedOn(synthesized('.switchyard/cdk.out', 'cdk.out'))).toMatch(/[^.]cdk\.out$/);
    expect(await launchedOn(synthesized('cdk.out', '.switchyard/cdk.out'))).toMatch(/\.switchyard\/cdk\.out$/);
    expect(await launchedOn(synthesized('cdk.out'))).toMatch(/[^.]cdk\.out$/);
  });

  it('applies a file saved while it starts, once the runtime runs', async () => {
    const root = synthesized('.switchyard/cdk.out');
    // A save while the runtime starts: before dev watched only once it ran, and never saw it.
    const { lines, launcher, io, stop } = standInLauncher(async () => {
      writeFileSync(path.join(root, 'notes.ts'), 'export {};\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { definitions: { functions: [] } };
    });
    await startDevServer({ root, settings: {} as never, synth: false, watch: true, typecheck: false, io, launcher });
    try {
      const deadline = Date.now() + 10_000;
      while (!lines.some((line) => line.startsWith('changed: notes.ts')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lines.find((line) => line.startsWith('changed: notes.ts'))).toBeDefined();
    } finally {
      await stop();
    }
  });

  it('fails if neither folder holds an assembly, naming both', async () => {
    const root = synthesized();
    await expect(launchedOn(root)).rejects.toThrow(
      `--no-synth: there is no synthesized app in ${path.join(root, '.switchyard', 'cdk.out')} or ${path.join(root, 'cdk.out')} yet`,
    );
  });
});

describe('startDevPrelude', () => {
  /** An app whose synthesis appends a line to runs.log as it starts, then waits `ms` before writing its assembly (its pid in the manifest). */
  const slowApp = (ms: number) => ({
    'cdk.json': JSON.stringify({ app: `"${process.execPath}" app.mjs` }),
    'app.mjs': `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync('runs.log', process.pid + '\\n');
setTimeout(() => {
  mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
  writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ pid: process.pid }));
}, ${ms});`,
  });
  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done()).toBe(true);
  };
  const runs = (root: string) =>
    existsSync(path.join(root, 'runs.log')) ? readFileSync(path.join(root, 'runs.log'), 'utf8').trim().split('\n') : [];

  it("starts the synthesis before the runtime is loaded; the server goes on from it, with a file saved meanwhile applied and the runtime's own writes in a data folder inside the project not taken for changes", async () => {
    const root = project(slowApp(300));
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const prelude = startDevPrelude(root, io, { synth: true, watch: true });
    // No launcher yet: the app runs already.
    await until(() => runs(root).length === 1);
    writeFileSync(path.join(root, 'notes.ts'), 'export {};\n');
    let launchedOn = '';
    let stop: (() => Promise<void> | void) | undefined;
    const launcher = {
      launchRuntime: async (options: { cdkOut: Promise<string>; dataDir: string }) => {
        launchedOn = await options.cdkOut;
        mkdirSync(options.dataDir, { recursive: true });
        writeFileSync(path.join(options.dataDir, 'store.db'), 'rows');
        return { definitions: { functions: [] }, warmedUp: async () => {} };
      },
      LaunchError: class extends Error {},
      startMark: () => {},
      stopOnSignals: (_runtime: unknown, before: () => Promise<void> | void) => {
        stop = before;
      },
    } as unknown as Parameters<typeof startDevServer>[0]['launcher'];
    const options = { root, settings: {} as never, data: path.join(root, 'local-data'), synth: true, watch: true, typecheck: false };
    await startDevServer({ ...options, io, launcher }, prelude);
    try {
      expect(launchedOn).toBe(path.join(root, '.switchyard', 'cdk.out'));
      // The app's own runs.log is a change too: the two may come in one batch or two, named in order.
      const notes = (line: string) => /^changed: (.+, )?notes\.ts[,:;]/.test(line);
      await until(() => lines.some(notes));
      writeFileSync(path.join(root, 'local-data', 'store.db'), 'more rows');
      writeFileSync(path.join(root, 'notes.ts'), 'export const saved = 2;\n');
      await until(() => lines.filter(notes).length === 2);
      expect(lines.filter((line) => line.includes('local-data'))).toEqual([]);
      expect(runs(root)).toHaveLength(1);
    } finally {
      await stop?.();
    }
  });

  it("launches the runtime while the first synthesis runs, and fails the start with the synthesis's error when it fails", async () => {
    const root = project({
      'cdk.json': JSON.stringify({ app: `"${process.execPath}" app.mjs` }),
      // Fails once the runtime's launch has begun (launched.log), or after 20 s.
      'app.mjs': `import { appendFileSync, existsSync } from 'node:fs';
appendFileSync('runs.log', process.pid + '\\n');
const started = Date.now();
const timer = setInterval(() => {
  if (!existsSync('launched.log') && Date.now() - started < 20000) return;
  clearInterval(timer);
  console.error('Error: no such stack');
  process.exit(3);
}, 20);`,
    });
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    // The app fails only once launched (else after 20 s): a launch after the synthesis would never come.
    let launched = false;
    const launcher = {
      launchRuntime: async (options: { cdkOut: Promise<string> }) => {
        launched = true;
        writeFileSync(path.join(root, 'launched.log'), 'launched\n');
        // The runtime's start awaits the assembly: its failure is the start's.
        await options.cdkOut;
        throw new Error('launched on a failed synthesis');
      },
      LaunchError: class extends Error {},
      startMark: () => {},
      stopOnSignals: () => {},
    } as unknown as Parameters<typeof startDevServer>[0]['launcher'];
    const options = { root, settings: {} as never, synth: true, watch: false, typecheck: false };
    const started = startDevServer({ ...options, io, launcher });
    await expect(started).rejects.toThrow(/the app \(cdk\.json "app"\) failed \(.*exit 3\): fix the app and run switchyard dev again/);
    await expect(started).rejects.toBeInstanceOf(CliError);
    expect(launched).toBe(true);
    expect(lines.join('\n')).toContain('Error: no such stack');
  });

  it("stops the first synthesis when the runtime fails to start (its port in use), failing with the runtime's error", async () => {
    const root = project(slowApp(60_000));
    const launcher = {
      launchRuntime: async () => {
        await until(() => runs(root).length === 1);
        throw new CliError('port 4566 is already in use (another local runtime?)');
      },
      LaunchError: class extends Error {},
      startMark: () => {},
      stopOnSignals: () => {},
    } as unknown as Parameters<typeof startDevServer>[0]['launcher'];
    const options = { root, settings: {} as never, synth: true, watch: true, typecheck: false };
    await expect(startDevServer({ ...options, io: { out: () => {}, err: () => {} }, launcher })).rejects.toThrow(
      'port 4566 is already in use',
    );
    const pid = Number(runs(root)[0]);
    await until(() => !processRuns(pid));
  });

  it('fails if a switchyard dev runs in the folder already, naming it, before it synthesizes or touches what that one runs', async () => {
    const root = project(slowApp(0));
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      mkdirSync(path.join(root, RUNNING_CDK_OUT), { recursive: true });
      const record = { pid: other.pid, startedAt: new Date().toISOString(), endpoint: 'http://127.0.0.1:4599' };
      writeFileSync(path.join(root, RUNNING_DEV), JSON.stringify(record));
      expect(() => startDevPrelude(root, { out: () => {}, err: () => {} }, { synth: true, watch: true })).toThrow(
        new CliError(
          `switchyard dev already runs in this folder (process ${other.pid}, http://127.0.0.1:4599): the commands run here reach it; ` +
            `to start this one, stop that one first (Ctrl-C in its terminal, or kill ${other.pid})`,
        ),
      );
      expect(runs(root)).toEqual([]);
      expect(existsSync(path.join(root, RUNNING_DEV))).toBe(true);
      expect(existsSync(path.join(root, RUNNING_CDK_OUT))).toBe(true);
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
  });

  it("stops the synthesis's process when it is cancelled (dev does not go on: a bad option)", async () => {
    const root = project(slowApp(60_000));
    const prelude = startDevPrelude(root, { out: () => {}, err: () => {} }, { synth: true, watch: true });
    await until(() => runs(root).length === 1);
    const pid = Number(runs(root)[0]);
    prelude.cancel();
    await expect(prelude.synthesis).rejects.toThrow('the synthesis was stopped: switchyard dev did not start');
    // Stopped, it says nothing of the source: the other commands are not told it does not synthesize.
    expect(existsSync(path.join(root, SYNTH_FAILED))).toBe(false);
    await until(() => !processRuns(pid));
  });
});

describe('TypeCheck', () => {
  /**
   * An app with a tsconfig.json and this repository's typescript as its own. Its lib leaves out
   * the DOM (tsc's default lib has it): tsc reads lib.dom.d.ts's megabytes at every check, 1.7 s
   * of CPU against 0.65 s without.
   */
  function typedApp(files: Record<string, string>): string {
    const root = project({
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, types: [], lib: ['es2022'] },
        include: ['*.ts'],
      }),
      ...files,
    });
    mkdirSync(path.join(root, 'node_modules'));
    symlinkSync(path.resolve(import.meta.dirname, '../../node_modules/typescript'), path.join(root, 'node_modules', 'typescript'), 'dir');
    return root;
  }

  /** A check of `typedApp(files)` whose lines go to `lines`, given to `run` and closed after it. */
  async function checking(files: Record<string, string>, run: (check: TypeCheck, lines: string[], root: string) => Promise<void>) {
    const root = typedApp(files);
    const lines: string[] = [];
    const check = TypeCheck.of(root, path.join(root, '.switchyard', 'tsbuildinfo'), {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    if (!(check instanceof TypeCheck)) throw new Error(`no check: ${check.none}`);
    try {
      await run(check, lines, root);
    } finally {
      check.close();
    }
  }

  /** What a check prints over the app's one type error. */
  const ONE_ERROR = 'types: 1 error (the code runs regardless: switchyard dev reports types, never blocks on them)';

  async function until(lines: readonly string[], wanted: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!lines.includes(wanted) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toContain(wanted);
  }

  it("reports the app's type errors once, with file and line, and says when they are gone", async () => {
    await checking({ 'price.ts': "export const price: number = 'ten';\n" }, async (check, lines, root) => {
      check.request();
      await until(lines, ONE_ERROR);
      expect(lines).toContain("  price.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.");
      // The same errors after another change are not printed again.
      check.request();
      writeFileSync(path.join(root, 'other.ts'), 'export const other = 1;\n');
      check.request();
      await new Promise((resolve) => setTimeout(resolve, 100));
      writeFileSync(path.join(root, 'price.ts'), 'export const price: number = 10;\n');
      check.request();
      await until(lines, 'types: no errors again');
      expect(lines.filter((line) => line.startsWith('types: 1 error'))).toHaveLength(1);
      // Each check's tsc asked to run at background priority, so that it never slows the runtime.
      expect(priorities.length).toBeGreaterThanOrEqual(2);
      expect(priorities.every(([pid, priority]) => pid !== undefined && pid > 0 && priority === 10)).toBe(true);
    });
  }, 120_000);

  it("prints an error's whole message chain under it, where what is wrong is said last", async () => {
    await checking(
      {
        'consumer.ts': `type Options = { consumer: { idempotency: string[]; name: string } };
const value = { consumer: { name: 'x' } };
export const options: Options = value;
`,
      },
      async (check, lines) => {
        check.request();
        await until(lines, ONE_ERROR);
        const at = lines.indexOf(ONE_ERROR);
        expect(lines.slice(at + 1)).toEqual([
          "  consumer.ts(3,14): error TS2322: Type '{ consumer: { name: string; }; }' is not assignable to type 'Options'.",
          "    Types of property 'consumer' are incompatible.",
          "      Property 'idempotency' is missing in type '{ name: string; }' but required in type '{ idempotency: string[]; name: string; }'.",
        ]);
      },
    );
  }, 120_000);

  it("says when every error is in node_modules' declarations, naming the app's typescript and how to end them", async () => {
    await checking({ 'app.ts': "import type { Stack } from 'lib';\nexport const stacks: Stack[] = [];\n" }, async (check, lines, root) => {
      // A library whose declarations use what the app's TypeScript lacks, as aws-cdk-lib's do for an app on typescript 4.9.
      mkdirSync(path.join(root, 'node_modules', 'lib'));
      writeFileSync(path.join(root, 'node_modules', 'lib', 'package.json'), JSON.stringify({ name: 'lib', types: 'index.d.ts' }));
      writeFileSync(path.join(root, 'node_modules', 'lib', 'index.d.ts'), 'export declare class Stack { readonly perf: Disposable; }\n');
      check.request();
      const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules', 'typescript', 'package.json'), 'utf8'));
      const header =
        "types: 1 error, all in node_modules' type declarations, none in the app's code: its libraries' types need a newer " +
        `TypeScript than the app's (typescript ${version}); a newer typescript, or "skipLibCheck": true in tsconfig.json, ends them ` +
        '(the code runs regardless)';
      await until(lines, header);
      expect(lines[lines.indexOf(header) + 1]).toMatch(
        /^ {2}node_modules\/lib\/index\.d\.ts\(1,\d+\): error TS2304: Cannot find name 'Disposable'\.$/,
      );
    });
  }, 120_000);

  it('stops a check for a change and checks the changed code once it is applied', async () => {
    await checking({ 'price.ts': 'export const price: number = 10;\n' }, async (check, lines, root) => {
      check.request();
      // A change arrives while the check runs: it is stopped, the change applied, and the check asked again at once.
      check.interrupt();
      writeFileSync(path.join(root, 'price.ts'), "export const price: number = 'ten';\n");
      check.request();
      await until(lines, ONE_ERROR);
      expect(lines).toContain("  price.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.");
    });
  }, 120_000);

  it("finds the tsc its typescript's package names as its bin, where the package's exports leave bin/ out (TypeScript 7)", () => {
    const root = project({
      'tsconfig.json': '{}',
      'node_modules/typescript/package.json': JSON.stringify({
        name: 'typescript',
        version: '7.0.2',
        bin: { tsc: './bin/tsc' },
        exports: { './package.json': './package.json', '.': './lib/version.cjs' },
      }),
      'node_modules/typescript/bin/tsc': '#!/usr/bin/env node\n',
    });
    const check = TypeCheck.of(root, 'info', { out: () => {}, err: () => {} });
    expect(check).toBeInstanceOf(TypeCheck);
    expect((check as unknown as { tsc: string }).tsc).toBe(path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'));
  });

  it('says why there is no check: no tsconfig.json, or no typescript the app can import', () => {
    const io = { out: () => {}, err: () => {} };
    expect(TypeCheck.of(project({ 'a.ts': '' }), 'info', io)).toEqual({ none: 'the app has no tsconfig.json' });
    expect(TypeCheck.of(project({ 'tsconfig.json': '{}' }), 'info', io)).toEqual({
      none: 'the app does not depend on typescript (npm install --save-dev typescript checks its types)',
    });
  });
});
