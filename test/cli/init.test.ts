import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'switchyard-init-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Each block of indented lines laid out in two columns (a name, two or more spaces, its words): the column each line's words start at. */
function columnStarts(readme: string): number[][] {
  const blocks: number[][] = [[]];
  for (const line of readme.split('\n')) {
    const columns = /^( {4}\S+ {2,})\S/.exec(line);
    if (columns) blocks.at(-1)?.push(columns[1]?.length ?? 0);
    else if ((blocks.at(-1)?.length ?? 0) > 0) blocks.push([]);
  }
  return blocks.filter((block) => block.length > 1);
}

describe('switchyard init', () => {
  it.each(['app', 'orders-platform-service-app'])(
    "writes a README whose list of the app's files reads aligned for the app %s",
    async (name) => {
      const dir = path.join(work, name);
      const result = await runCli(['init', dir, '--switchyard', '0.1.0']);
      expect(result.code, result.stderr).toBe(0);
      const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
      expect(readme).toContain(`lib/${name}-stack.ts`);
      for (const starts of columnStarts(readme)) expect(new Set(starts).size, JSON.stringify(starts)).toBe(1);
    },
  );

  describe('on a Node older than 24', () => {
    /** Node 24 saying it is Node 20, as an older Node would: vitest needs Map.groupBy, which Node 20 lacks, so no real Node 20 is needed to show who speaks first. */
    const NODE_20 = "--import=data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.19.0'})";
    const dir = path.join(work, 'old-node-app');
    beforeAll(async () => {
      const created = await runCli(['init', dir, '--switchyard', '0.1.0']);
      expect(created.code, created.stderr).toBe(0);
    });

    it('writes a package.json whose engines names Node 24, and a .nvmrc naming it for nvm use', () => {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      expect(manifest.engines).toEqual({ node: '>=24' });
      expect(manifest.scripts.pretest).toBe('node scripts/check-node.mjs');
      expect(readFileSync(path.join(dir, '.nvmrc'), 'utf8').trim()).toBe('24');
    });

    it('fails npm test at once, before vitest runs, naming Node 24 and how to install it', () => {
      // No npm install: vitest is not there, so the run shows the check stopped it first.
      const run = spawnSync('npm', ['test'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: NODE_20 } });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        "old-node-app's tests need Node 24 or newer, the Node of Lambda's nodejs24.x, to run the app on a local runtime (this is Node 20.19.0)",
      );
      expect(run.stderr).toContain('nvm install 24 && nvm use');
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/vitest/);
    });

    it('lets the tests run on Node 24', () => {
      const check = spawnSync(process.execPath, ['scripts/check-node.mjs'], { cwd: dir, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(check.stderr).toBe('');
    });
  });
});
