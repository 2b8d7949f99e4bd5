import { cpSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RUNNING_CDK_OUT, RUNNING_DEV, type RunningDev, runningDev, SYNTH_FAILED } from '../../inspect/assembly.js';
import { CliError } from '../../inspect/errors.js';

/**
 * What `switchyard dev` leaves on disk for the other commands and the MCP tools while it runs
 * (inspect/assembly.ts's chooseAssembly reads it): a copy of the assembly the runtime runs, and
 * whether the source synthesizes. A synthesis that fails empties .switchyard/cdk.out; with
 * these, the tools keep reading the app that is running and say why.
 */

/** Copies the assembly the runtime now runs (its manifests and templates: the tools read no asset) to RUNNING_CDK_OUT. */
export function keepRunningApp(root: string, cdkOut: string, endpoint: string): void {
  const running = path.join(root, RUNNING_CDK_OUT);
  const next = `${running}.next`;
  rmSync(next, { recursive: true, force: true });
  cpSync(cdkOut, next, { recursive: true, filter: (source) => !path.basename(source).startsWith('asset.') });
  // Swapped in whole, so that a command never reads half of one app and half of another.
  rmSync(running, { recursive: true, force: true });
  renameSync(next, running);
  // Which process keeps it: a dev killed with SIGKILL removes neither, and the tools check this pid runs.
  // Its endpoint: the commands run in this folder call it (inspect/aws.ts resolveTarget).
  const dev: RunningDev = { pid: process.pid, startedAt: startedAt.toISOString(), endpoint };
  writeFileSync(path.join(root, RUNNING_DEV), `${JSON.stringify(dev)}\n`);
}

/** When this process (dev) started. */
const startedAt = new Date(Date.now() - process.uptime() * 1000);

/**
 * Dev starts: stops at once when a `switchyard dev` already runs in this folder, naming it (the
 * two would synthesize into one .switchyard/cdk.out, whose asset folders the running one's
 * functions run from); removes what a dev that was killed left (no app runs until this one starts).
 * @throws CliError naming the dev that runs (1)
 */
export function startingDev(root: string): void {
  const other = runningDev(root);
  if (other !== undefined && other.pid !== process.pid) {
    const { pid, endpoint } = other;
    throw new CliError(
      `switchyard dev already runs in this folder (process ${pid}${endpoint === undefined ? '' : `, ${endpoint}`}): ` +
        `the commands run here reach it; to start this one, stop that one first (Ctrl-C in its terminal, or kill ${pid})`,
    );
  }
  forgetRunningApp(root);
}

/**
 * Dev stops (or starts): no app runs from this folder any more, unless another dev that still
 * runs wrote the copy. A second `switchyard dev` in the folder that fails to start (the data
 * folder in use) leaves the first one's: the commands beside it still reach that one.
 */
export function forgetRunningApp(root: string): void {
  const owner = runningDev(root)?.pid;
  if (owner !== undefined && owner !== process.pid) return;
  rmSync(path.join(root, RUNNING_CDK_OUT), { recursive: true, force: true });
  rmSync(path.join(root, RUNNING_DEV), { force: true });
}

/** The source does not synthesize: `line` is the first line of its error, which the tools quote. */
export function recordSynthFailure(root: string, line: string): void {
  writeFileSync(path.join(root, SYNTH_FAILED), `${line}\n`);
}

/** A synthesis worked: the source synthesizes again. */
export function clearSynthFailure(root: string): void {
  rmSync(path.join(root, SYNTH_FAILED), { force: true });
}
