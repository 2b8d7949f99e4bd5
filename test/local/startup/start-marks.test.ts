import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** A process that marks one step, with SWITCHYARD_DEBUG_START as given: what it wrote to stderr. */
function marked(debug: string | undefined): string {
  const env = { ...process.env, SWITCHYARD_DEBUG_START: debug };
  if (debug === undefined) delete env.SWITCHYARD_DEBUG_START;
  const script = "import('./local/startup/start-marks.ts').then((marks) => marks.startMark('the runtime loaded'))";
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stderr;
}

describe('startMark', () => {
  it('prints the step with the wall time since the process began and its CPU so far when SWITCHYARD_DEBUG_START=1', () => {
    expect(marked('1')).toMatch(/^start: the runtime loaded at \d+ ms, cpu \d+ ms\n$/);
  });

  it('prints nothing otherwise', () => {
    expect(marked(undefined)).toBe('');
    expect(marked('0')).toBe('');
  });
});
