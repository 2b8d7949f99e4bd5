import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { DataFolderInUseError, DataFolderLock } from '../../local/store/data-folder-lock.js';
import { consumerFixture } from './consumer-fixture.js';
import { tableNames, tempDataDir } from './helpers.js';
import { RuntimeProcesses } from './runtime-process.js';

const runtimes = new RuntimeProcesses();

afterAll(() => runtimes.killAll());

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('DataFolderLock', () => {
  it('fails if the folder is already locked, naming the holder, and is free again once released', () => {
    const folder = tempDataDir();
    const first = DataFolderLock.acquire(folder);
    first.listening('http://127.0.0.1:4566');
    try {
      DataFolderLock.acquire(folder);
      expect.unreachable('a second lock on one folder');
    } catch (error) {
      expect(error).toBeInstanceOf(DataFolderInUseError);
      expect((error as DataFolderInUseError).holder).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:4566' });
      expect((error as Error).message).toContain(`process ${process.pid} listening on http://127.0.0.1:4566`);
    }
    first.release();
    DataFolderLock.acquire(folder).release();
  });
});

describe('LocalRuntime on one data folder', () => {
  it('fails if another runtime in this process holds the folder, and starts on it once that one stopped', async () => {
    const dataDir = tempDataDir();
    const first = await LocalRuntime.start({ cdkOut: await consumerFixture(), dataDir, port: 0, log: () => {} });
    try {
      await expect(LocalRuntime.start({ cdkOut: await consumerFixture(), dataDir, port: 0, log: () => {} })).rejects.toThrow(
        `in use by another local runtime: process ${process.pid} listening on ${first.url}`,
      );
      // The refused start took nothing from the first.
      expect(await tableNames(first.url)).not.toEqual([]);
    } finally {
      await first.stop();
    }
  }, 60_000);

  it('starts immediately after a clean stop, every time, with its tables answering', async () => {
    const dataDir = tempDataDir();
    for (let round = 0; round < 5; round++) {
      const runtime = await LocalRuntime.start({ cdkOut: await consumerFixture(), dataDir, port: 0, log: () => {} });
      try {
        expect(await tableNames(runtime.url)).not.toEqual([]);
      } finally {
        await runtime.stop();
      }
    }
  }, 120_000);
});

describe('local runtime processes on one data folder', () => {
  it('fails if a second process starts on a folder in use, naming the first process', async () => {
    const dataDir = tempDataDir();
    const first = await runtimes.start(await consumerFixture(), dataDir, 0);
    const error = await runtimes.start(await consumerFixture(), dataDir, 0).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/runtime exited with 1/);
    expect(error?.message).toContain(`is in use by another local runtime: process ${first.child.pid} listening on http://127.0.0.1:`);
    expect(error?.message).toContain('local/main.ts');
    first.child.kill('SIGTERM');
    expect(await exited(first.child)).toBe(0);
  }, 90_000);

  // Each process start costs seconds (tsx loads the runtime's sources): one folder goes through a SIGKILL and two clean stops.
  it('starts on the folder of a runtime that was SIGKILLed, and right after the previous process stopped cleanly, every time', async () => {
    const dataDir = tempDataDir();
    const killed = await runtimes.start(await consumerFixture(), dataDir, 0);
    killed.child.kill('SIGKILL');
    await exited(killed.child);
    for (let round = 0; round < 3; round++) {
      const runtime = await runtimes.start(await consumerFixture(), dataDir, 0);
      const url = /listening on (http:\/\/\S+)/.exec(runtime.output())?.[1] ?? '';
      expect(await tableNames(url)).not.toEqual([]);
      runtime.child.kill('SIGTERM');
      expect(await exited(runtime.child)).toBe(0);
    }
  }, 120_000);
});
