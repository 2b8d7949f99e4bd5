import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DynamoDbHost } from '../../../local/dynamodb/dynamodb-host.js';
import { startEngineThreadEarly, takeEarlyEngineThread } from '../../../local/dynamodb/engine-thread.js';
import { tableNames, tempDataDir } from '../helpers.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

describe('the engine thread begun early', () => {
  it('is taken once, by the next start, and gives nothing to take after', async () => {
    expect(await takeEarlyEngineThread()).toBeUndefined();
    startEngineThreadEarly();
    const worker = await takeEarlyEngineThread();
    expect(worker).toBeDefined();
    expect(await takeEarlyEngineThread()).toBeUndefined();
    await worker?.terminate();
  });

  it("serves DynamoDB once the runtime's start configures it, with the start's data folder", async () => {
    startEngineThreadEarly();
    const folder = tempDataDir();
    const host = await DynamoDbHost.start({ folder });
    try {
      // The start took it: nothing is left for another.
      expect(await takeEarlyEngineThread()).toBeUndefined();
      expect(await tableNames(host.url)).toEqual([]);
      expect(host.file).toBe(path.join(folder, 'tables.sqlite'));
    } finally {
      await host.stop();
    }
  });

  it('keeps no process alive while nobody takes it (switchyard dev --help exits at once)', () => {
    const script = `import { startEngineThreadEarly } from ${JSON.stringify(path.join(repo, 'local', 'dynamodb', 'engine-thread.ts'))};
startEngineThreadEarly();
setTimeout(() => console.log('done'), 300);`;
    // A thread that kept the process alive would wait for its configuration for ever: the timeout fails the test.
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(output.trim()).toBe('done');
  });
});
