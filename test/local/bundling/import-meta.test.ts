import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { importMetaOfEachModule } from '../../../local/bundling/import-meta.js';

const work = mkdtempSync(path.join(tmpdir(), 'switchyard-import-meta-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A package's compiled files: an entry, and a module in a folder of its own that reads a file beside it. */
function compiledFiles(root: string): string {
  mkdirSync(path.join(root, 'dist', 'models'), { recursive: true });
  writeFileSync(
    path.join(root, 'dist', 'models', 'model.js'),
    [
      "import { readFileSync } from 'node:fs';",
      'export const own = { url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename };',
      "export const beside = readFileSync(new URL('./model.json', import.meta.url), 'utf8').trim();",
    ].join('\n'),
  );
  writeFileSync(path.join(root, 'dist', 'models', 'model.json'), '"the model"\n');
  writeFileSync(path.join(root, 'dist', 'entry.js'), "export { beside, own } from './models/model.js';\n");
  return path.join(root, 'dist', 'entry.js');
}

async function bundle(entry: string, outdir: string, bundleFolder?: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    plugins: [importMetaOfEachModule(bundleFolder)],
  });
}

describe('importMetaOfEachModule', () => {
  it("gives each bundled module its own import.meta, relative to the bundle's folder: the same wherever the package is installed", async () => {
    const built = path.join(work, 'built');
    await bundle(compiledFiles(built), path.join(built, 'dist', 'bundle'), path.join(built, 'dist', 'bundle'));
    // Installed elsewhere: the package's folder moved whole, the bundle beside the compiled files.
    const installed = path.join(work, 'installed');
    cpSync(built, installed, { recursive: true });
    rmSync(built, { recursive: true, force: true });
    const bundled = await import(pathToFileURL(path.join(installed, 'dist', 'bundle', 'entry.js')).href);
    const model = path.join(installed, 'dist', 'models', 'model.js');
    expect(bundled.own).toEqual({ url: pathToFileURL(model).href, dirname: path.dirname(model), filename: model });
    expect(bundled.beside).toBe('"the model"');
  });

  it('gives them their absolute paths for a bundle used where it is made', async () => {
    const root = path.join(work, 'in-place');
    await bundle(compiledFiles(root), path.join(root, 'out'));
    const bundled = await import(pathToFileURL(path.join(root, 'out', 'entry.js')).href);
    const model = path.join(root, 'dist', 'models', 'model.js');
    expect(bundled.own).toEqual({ url: pathToFileURL(model).href, dirname: path.dirname(model), filename: model });
    expect(bundled.beside).toBe('"the model"');
  });
});
