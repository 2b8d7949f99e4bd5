import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sharedIfReady } from './shared-once.js';

export type SynthEnv = { account: string; region: string };

/** The env the app is synthesized for unless a test says otherwise. */
export const DEFAULT_ENV: SynthEnv = { account: '000000000000', region: 'us-east-1' };

/** The sharedOnce key of the run's bundled assembly of this project's app for `env` (test/helpers/synth.ts). */
export const assemblyKey = (env: SynthEnv) => `${env.account}-${env.region}`;

/**
 * This project's app with its default env and props in `outdir`, as synthSwitchyardApp writes
 * it: a copy of the run's shared assembly when a test file made it already, which takes no
 * CDK at all; otherwise test/helpers/synth.ts synthesizes it (or waits for the file that does).
 * That module is loaded only then: aws-cdk-lib and every construct of the app take seconds to
 * import, and most of the suites that run the app find the assembly made.
 */
export async function switchyardAssembly(outdir: string): Promise<void> {
  const shared = sharedIfReady(assemblyKey(DEFAULT_ENV));
  // The bundles' source maps name the sources relative to the bundle, so a copy is only true at the same depth.
  if (shared !== undefined && depth(shared) === depth(outdir)) {
    cpSync(shared, outdir, { recursive: true });
    return;
  }
  const { synthSwitchyardApp } = await import('./synth.js');
  synthSwitchyardApp(outdir);
}

/** This project's app (switchyardAssembly's) in a new folder of its own, named after `prefix`; the folder. */
export async function switchyardAppFolder(prefix = 'switchyard-app-'): Promise<string> {
  const outdir = mkdtempSync(path.join(tmpdir(), prefix));
  await switchyardAssembly(outdir);
  return outdir;
}

export function depth(folder: string): number {
  return path.resolve(folder).split(path.sep).length;
}
