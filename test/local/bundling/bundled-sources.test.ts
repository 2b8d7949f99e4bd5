import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { changedSince, sourceInputs } from '../../../local/bundling/bundled-sources.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sources(): { a: string; b: string; metafile: Metafile } {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sources-'));
  dirs.push(dir);
  const [a, b] = [path.join(dir, 'a.ts'), path.join(dir, 'b.ts')];
  for (const file of [a, b]) writeFileSync(file, 'export {};');
  const input = { bytes: 10, imports: [] };
  const inputs = { [a]: input, [b]: input, 'node_modules/pkg/index.js': input, 'console-stub:ajv': input };
  return { a, b, metafile: { inputs, outputs: {} } };
}

describe('sourceInputs', () => {
  it("records the sources a build read with their times, not its packages nor a plugin's stubs", () => {
    const { a, b, metafile } = sources();
    expect([...sourceInputs(metafile).keys()]).toEqual([a, b]);
  });
});

describe('changedSince', () => {
  it('says nothing changed while the sources keep their times, and a change once one is written again or removed', () => {
    const { a, b, metafile } = sources();
    const inputs = sourceInputs(metafile);
    expect(changedSince(inputs)).toBe(false);
    utimesSync(a, new Date(), new Date(Date.now() + 5000));
    expect(changedSince(inputs)).toBe(true);
    const again = sourceInputs(metafile);
    rmSync(b);
    expect(changedSince(again)).toBe(true);
  });
});
