import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeenContents } from '../../cli/dev/rewrites.js';

const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-rewrites-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('SeenContents', () => {
  it('takes a file written again with the same bytes as no change, so a synthesis rewriting its own output does not synthesize again', () => {
    const seen = new SeenContents();
    const bundle = path.join(folder, 'index.js');
    writeFileSync(bundle, 'exports.handler = 1;');
    expect(seen.changed(bundle)).toBe(true);
    writeFileSync(bundle, 'exports.handler = 1;');
    expect(seen.changed(bundle)).toBe(false);
    writeFileSync(bundle, 'exports.handler = 2;');
    expect(seen.changed(bundle)).toBe(true);
  });

  it('takes a deleted file, and one written again after it was deleted, as a change', () => {
    const seen = new SeenContents();
    const file = path.join(folder, 'gone.ts');
    writeFileSync(file, 'a');
    expect(seen.changed(file)).toBe(true);
    rmSync(file);
    expect(seen.changed(file)).toBe(true);
    writeFileSync(file, 'a');
    expect(seen.changed(file)).toBe(true);
  });
});
