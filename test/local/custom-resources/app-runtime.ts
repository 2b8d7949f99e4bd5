import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { disposableData } from '../helpers.js';

/** A suite's runtime of a CDK app it synthesizes itself, restarted on the same data folder; the log lines are the latest start's. */
export interface AppRuntime {
  readonly logs: string[];
  /** The folder the suite synthesizes its app into. */
  outdir(): string;
  dataDir(): string;
  /** The runtime running now (read inside a test). */
  runtime(): LocalRuntime;
  /** Stops the runtime (if one runs) and starts another on the same assembly and data folder. */
  restart(): Promise<LocalRuntime>;
}

/**
 * The folders made before the suite (`prefix` names the assembly's), removed after it; with
 * `first`, the app it writes there is started before the tests.
 */
export function appRuntime(prefix: string, first?: (outdir: string) => void): AppRuntime {
  const logs: string[] = [];
  let folders: { outdir: string; dataDir: string; dataFolderKind: 'disposable' } | undefined;
  let running: LocalRuntime | undefined;
  const made = () => {
    if (folders === undefined) throw new Error('the suite folders are made in beforeAll');
    return folders;
  };
  const restart = async () => {
    await running?.stop();
    logs.length = 0;
    const { outdir, dataDir, dataFolderKind } = made();
    running = await LocalRuntime.start({ cdkOut: outdir, dataDir, dataFolderKind, port: 0, log: (line) => logs.push(line) });
    return running;
  };
  beforeAll(async () => {
    folders = { outdir: mkdtempSync(path.join(tmpdir(), prefix)), ...disposableData() };
    if (first !== undefined) {
      first(folders.outdir);
      await restart();
    }
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    if (folders === undefined) return;
    rmSync(folders.outdir, { recursive: true, force: true });
    rmSync(folders.dataDir, { recursive: true, force: true });
  });
  return {
    logs,
    outdir: () => made().outdir,
    dataDir: () => made().dataDir,
    runtime: () => {
      if (running === undefined) throw new Error('no runtime runs: restart() starts one');
      return running;
    },
    restart,
  };
}
