import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallApp } from './small-app.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('startApp', () => {
  it('removes the data folder of a runtime never stopped when the process exits', () => {
    const script = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-unstopped-')), 'run.mts');
    writeFileSync(
      script,
      `
      import { startApp } from ${JSON.stringify(path.join(root, 'testing', 'index.ts'))};
      const app = await startApp({ cdkOut: ${JSON.stringify(smallApp())} });
      console.log(app.dataDir);
      process.exit(0);
    `,
    );
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8' });
    const dataDir = output.trim().split('\n').at(-1) ?? '';
    expect(dataDir).toContain('switchyard-test-');
    expect(existsSync(dataDir)).toBe(false);
  });
});
