import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
});
