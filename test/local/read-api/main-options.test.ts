import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { tempDataDir } from '../helpers.js';

function main(args: string[]) {
  const cdkOut = assemblyOf({});
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'local/main.ts', '--cdk-out', cdkOut, '--data', tempDataDir(), '--port', '0', ...args],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
}

describe('npm start read API options', () => {
  it('fails if --keep-events or --keep-hours keeps nothing, naming the option', () => {
    const events = main(['--keep-events', '0']);
    expect(events.status).toBe(1);
    expect(events.stderr).toContain('--keep-events is "0"; it must be a whole number from 1 to 10000000');
    const hours = main(['--keep-hours', 'soon']);
    expect(hours.status).toBe(1);
    expect(hours.stderr).toContain('--keep-hours is "soon"');
  });

  it('documents them in --help', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'local/main.ts', '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(help.stdout).toContain('--keep-events N, --keep-hours H');
  });
});
