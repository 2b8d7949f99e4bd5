import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseAssembly,
  DEV_CDK_OUT,
  defaultCdkOut,
  RUNNING_CDK_OUT,
  RUNNING_DEV,
  readAssembly,
  runningDevEndpoint,
  STATE_FOLDER,
  SYNTH_FAILED,
  withAssemblyNotices,
} from '../../inspect/assembly.js';
import { assembliesIn, useTempFolders, writeFiles } from '../helpers/temp-folders.js';

const { folder } = useTempFolders('switchyard-assembly-');

/** A project folder holding an assembly in each of `dirs`, the later ones synthesized later. */
const project = (...dirs: string[]): string => assembliesIn(folder(), ...dirs);

describe('defaultCdkOut', () => {
  it('reads the assembly switchyard dev keeps when the project has no cdk.out', () => {
    const root = project('.switchyard/cdk.out');
    expect(defaultCdkOut(undefined, {}, root)).toBe(path.join(root, '.switchyard', 'cdk.out'));
  });

  it('reads the assembly synthesized last when the project has both', () => {
    expect(defaultCdkOut(undefined, {}, project('cdk.out', '.switchyard/cdk.out'))).toMatch(/\.switchyard\/cdk\.out$/);
    expect(defaultCdkOut(undefined, {}, project('.switchyard/cdk.out', 'cdk.out'))).toMatch(/[^.]cdk\.out$/);
  });

  it('takes --cdk-out, then SWITCHYARD_CDK_OUT, over either', () => {
    const root = project('cdk.out', '.switchyard/cdk.out');
    expect(defaultCdkOut('other.out', { SWITCHYARD_CDK_OUT: 'env.out' }, root)).toBe(path.join(root, 'other.out'));
    expect(defaultCdkOut(undefined, { SWITCHYARD_CDK_OUT: 'env.out' }, root)).toBe(path.join(root, 'env.out'));
  });

  it("reads the app's assembly from a folder inside the app (the nearest cdk.json above), and --cdk-out from where it is typed", () => {
    const root = project('cdk.out');
    writeFileSync(path.join(root, 'cdk.json'), '{"app":"node app.js"}');
    const inside = path.join(root, 'lambdas', 'record-order');
    mkdirSync(inside, { recursive: true });
    expect(defaultCdkOut(undefined, {}, inside)).toBe(path.join(root, 'cdk.out'));
    expect(defaultCdkOut('other.out', {}, inside)).toBe(path.join(inside, 'other.out'));
  });

  it('names ./cdk.out when there is no assembly at all, for the error that says how to make one', () => {
    const root = project();
    expect(defaultCdkOut(undefined, {}, root)).toBe(path.join(root, 'cdk.out'));
  });
});

/**
 * A project as `switchyard dev` leaves it when a synthesis failed with `error` while `running`
 * runs, dev being process `pid` (this test's process, which runs).
 */
function brokenUnderDev(root: string, error = 'Error: broken on purpose', pid = process.pid): string {
  assembliesIn(root, RUNNING_CDK_OUT);
  mkdirSync(path.join(root, DEV_CDK_OUT), { recursive: true });
  writeFileSync(path.join(root, SYNTH_FAILED), `${error}\n`);
  writeFileSync(path.join(root, RUNNING_DEV), JSON.stringify({ pid, startedAt: '2026-11-27T14:00:00.000Z' }));
  return root;
}

/** The pid of a process that has ended (as a dev killed with SIGKILL has). */
function endedPid(): number {
  const { pid, status } = spawnSync(process.execPath, ['-e', '']);
  expect(status).toBe(0);
  return pid;
}

describe('chooseAssembly', () => {
  it('reads the app switchyard dev runs while the source does not synthesize, saying so with the error', () => {
    const root = brokenUnderDev(project('cdk.out'));
    expect(chooseAssembly(undefined, {}, root)).toEqual({
      dir: path.join(root, RUNNING_CDK_OUT),
      notice: 'the source does not synthesize (Error: broken on purpose); using the app that is running',
    });
  });

  it('says the app is not running when the dev that kept it has ended (killed), reading the assembly from before the source broke', () => {
    const pid = endedPid();
    const root = brokenUnderDev(project('cdk.out'), 'Error: broken on purpose', pid);
    expect(chooseAssembly(undefined, {}, root)).toEqual({
      dir: path.join(root, 'cdk.out'),
      notice: `the source does not synthesize (Error: broken on purpose); the app is not running (switchyard dev, process ${pid}, started 2026-11-27T14:00:00.000Z, has ended without removing ${RUNNING_CDK_OUT}); using the app synthesized before it broke, in cdk.out`,
    });
  });

  it('says the app is not running and reads the copy the ended dev ran last when there is no other assembly', () => {
    const pid = endedPid();
    const root = brokenUnderDev(folder(), 'Error: broken on purpose', pid);
    expect(chooseAssembly(undefined, {}, root)).toEqual({
      dir: path.join(root, RUNNING_CDK_OUT),
      notice: `the source does not synthesize (Error: broken on purpose); the app is not running (switchyard dev, process ${pid}, started 2026-11-27T14:00:00.000Z, has ended without removing ${RUNNING_CDK_OUT}); using the app it ran last, in ${RUNNING_CDK_OUT}`,
    });
  });

  it('reads the newest assembly again once one is synthesized after the failure', () => {
    const root = brokenUnderDev(folder());
    // `npx cdk synth` worked after dev's synthesis failed: the source synthesizes again.
    const later = new Date(Date.now() + 60_000);
    writeFiles(root, { 'cdk.out/manifest.json': '{}' });
    utimesSync(path.join(root, 'cdk.out', 'manifest.json'), later, later);
    expect(chooseAssembly(undefined, {}, root)).toEqual({ dir: path.join(root, 'cdk.out') });
  });

  it('takes --cdk-out over the app that is running, saying nothing', () => {
    const root = brokenUnderDev(folder());
    expect(chooseAssembly('mine.out', {}, root)).toEqual({ dir: path.join(root, 'mine.out') });
  });

  it('reads an older ./cdk.out when no dev runs the app, saying it is from before the source broke', () => {
    const root = project('cdk.out');
    mkdirSync(path.join(root, STATE_FOLDER), { recursive: true });
    writeFileSync(path.join(root, SYNTH_FAILED), 'Error: broken on purpose\n');
    expect(chooseAssembly(undefined, {}, root)).toEqual({
      dir: path.join(root, 'cdk.out'),
      notice: 'the source does not synthesize (Error: broken on purpose); using the app synthesized before it broke, in cdk.out',
    });
  });

  it('fails if nothing was synthesized, naming the folder dev synthesizes into and the error to fix', () => {
    const root = folder();
    mkdirSync(path.join(root, STATE_FOLDER), { recursive: true });
    writeFileSync(path.join(root, SYNTH_FAILED), 'Error: broken on purpose\n');
    const { dir, notice } = chooseAssembly(undefined, {}, root);
    expect(dir).toBe(path.join(root, DEV_CDK_OUT));
    expect(notice).toBeUndefined();
    expect(() => readAssembly(dir)).toThrow(
      `no cloud assembly at ${dir}: the app's source does not synthesize (Error: broken on purpose): fix it (npx switchyard dev shows the whole error and synthesizes again on save), or pass --cdk-out <dir>`,
    );
  });
});

describe('runningDevEndpoint', () => {
  /** An app folder whose switchyard dev, process `pid`, wrote that it listens on port 4599. */
  function appWithDev(pid: number): string {
    const root = project();
    writeFileSync(path.join(root, 'cdk.json'), '{"app":"node app.js"}');
    mkdirSync(path.join(root, STATE_FOLDER), { recursive: true });
    writeFileSync(
      path.join(root, RUNNING_DEV),
      JSON.stringify({ pid, startedAt: '2026-11-28T20:00:00.000Z', endpoint: 'http://127.0.0.1:4599' }),
    );
    return root;
  }

  it('is the endpoint of the switchyard dev running in the app, from any folder inside it', () => {
    const root = appWithDev(process.pid);
    mkdirSync(path.join(root, 'lib', 'constructs'), { recursive: true });
    expect(runningDevEndpoint(root)).toBe('http://127.0.0.1:4599');
    expect(runningDevEndpoint(path.join(root, 'lib', 'constructs'))).toBe('http://127.0.0.1:4599');
  });

  it('is undefined when the dev that wrote it has ended', () => {
    expect(runningDevEndpoint(appWithDev(endedPid()))).toBeUndefined();
  });
});

describe('withAssemblyNotices', () => {
  it('says the notice once however many readers ask for the assembly, in each run of its own', async () => {
    const root = brokenUnderDev(folder());
    const lines: string[] = [];
    const run = () =>
      withAssemblyNotices(
        (line) => void lines.push(line),
        async () => [defaultCdkOut(undefined, {}, root), defaultCdkOut(undefined, {}, root)],
      );
    expect(await run()).toEqual([path.join(root, RUNNING_CDK_OUT), path.join(root, RUNNING_CDK_OUT)]);
    await run();
    expect(lines).toEqual([
      'note: the source does not synthesize (Error: broken on purpose); using the app that is running',
      'note: the source does not synthesize (Error: broken on purpose); using the app that is running',
    ]);
  });
});
