import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { CdkProject } from './project.js';

/**
 * The context the CDK CLI adds to every synth (its defaults for `pathMetadata`,
 * `assetMetadata` and `bundlingStacks`): asset metadata is what maps each function to the
 * folder of its code in the assembly.
 */
const CLI_CONTEXT = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:bundling-stacks': ['**'],
};

/**
 * Defaults the user's environment overrides: the local account and region, for apps that pin
 * their stacks to the CLI's defaults (`CDK_DEFAULT_ACCOUNT`); and no CDK template validation
 * (as `cdk synth --no-validation`): aws-cdk-lib's built-in CloudFormation rules run in WASM for
 * seconds on every synth (measured: a 4-resource app 7 s with, 2 s without) and only warn by
 * default, which the local runtime does not read. CDK_VALIDATION=true turns it back on.
 */
const DEFAULT_ENV = { CDK_DEFAULT_ACCOUNT: '000000000000', CDK_DEFAULT_REGION: 'us-east-1', CDK_VALIDATION: 'false' };

/** A synthesis that failed: the app's own output says why. */
export class SynthError extends Error {
  override readonly name = 'SynthError';
  constructor(
    message: string,
    /** What the app (or the build command) wrote, stdout and stderr interleaved. */
    readonly output: string,
  ) {
    super(message);
  }
}

/**
 * Synthesizes the app into `outdir` as `cdk synth` does, without needing the CDK CLI: runs
 * cdk.json's `build`, then its `app` command in the project folder with `CDK_OUTDIR` and
 * `CDK_CONTEXT_JSON` (cdk.json's context, cdk.context.json's, and the CLI's defaults) set.
 * An `app` that names a folder is an assembly synthesized already: it is used as it is.
 * Returns the assembly folder.
 * @throws SynthError when a command fails or writes no assembly
 */
export async function synthesize(project: CdkProject, outdir: string): Promise<string> {
  const prebuilt = path.resolve(project.root, project.app);
  if (existsSync(prebuilt) && statSync(prebuilt).isDirectory()) {
    if (!existsSync(path.join(prebuilt, 'manifest.json'))) {
      throw new SynthError(`cdk.json's app ${project.app} is a folder without a cloud assembly (manifest.json is missing)`, '');
    }
    return prebuilt;
  }
  mkdirSync(outdir, { recursive: true });
  // A manifest left by an earlier synth must not pass for this one's if the app writes none.
  rmSync(path.join(outdir, 'manifest.json'), { force: true });
  const env: NodeJS.ProcessEnv = {
    ...DEFAULT_ENV,
    ...process.env,
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ ...project.context, ...CLI_CONTEXT }),
  };
  // `npx --package <spec> switchyard dev` hands its packages to switchyard as npm_config_package;
  // the app's commands are not switchyard's, and a nested `npx --no-install esbuild`
  // (NodejsFunction's bundling) would look for esbuild among those packages and give up.
  delete env.npm_config_package;
  if (project.build) await run(project.build, project.root, env, 'the build command (cdk.json "build")');
  await run(project.app, project.root, env, 'the app (cdk.json "app")');
  if (!existsSync(path.join(outdir, 'manifest.json'))) {
    throw new SynthError(
      `the app (${project.app}) ended without writing a cloud assembly: does it call app.synth()? (CDK apps do when the process ends)`,
      '',
    );
  }
  return outdir;
}

/** Runs a cdk.json command through the shell, as the CDK CLI does, keeping its output for the error. */
function run(command: string, cwd: string, env: NodeJS.ProcessEnv, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { cwd, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', (error) => reject(new SynthError(`${what} could not run (${command}): ${error.message}`, output)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new SynthError(`${what} failed (${command}: ${signal ? `killed by ${signal}` : `exit ${code}`})`, output));
    });
  });
}
