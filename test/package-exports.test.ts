import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGES } from '../packages/index.mjs';

const repo = path.resolve(import.meta.dirname, '..');
/** `<package>/<subpath>` -> the source file its compiled entry is built from (packages/index.mjs). */
function exportedSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const definition of PACKAGES) {
    for (const [subpath, entry] of Object.entries(definition.exports ?? {}))
      sources[`${definition.name}${subpath.slice(1)}`] = `./${entry}.ts`;
  }
  return sources;
}

describe('the package entry points', () => {
  it('are what tsconfig.json maps the package names to, so the app in this checkout imports exactly what a team gets', () => {
    const config = ts.readConfigFile(path.join(repo, 'tsconfig.json'), (file) => readFileSync(file, 'utf8'));
    const paths = config.config.compilerOptions.paths as Record<string, string[]>;
    const mapped = Object.fromEntries(Object.entries(paths).map(([name, [target]]) => [name, target]));
    expect(mapped).toEqual(exportedSources());
  });

  it("are the library's only: the repository itself is no package (private), so nothing publishes it by mistake", () => {
    const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
    expect(manifest.private).toBe(true);
    expect(manifest.exports).toBeUndefined();
    expect(PACKAGES.map((p) => p.name)).not.toContain(manifest.name);
  });

  it('name every folder a package is built from in the layout table of docs/repository.md', () => {
    const layout = readFileSync(path.join(repo, 'docs', 'repository.md'), 'utf8');
    const folders = PACKAGES.flatMap((p) => p.sources).filter((source) => !source.endsWith('.ts'));
    expect(folders.filter((folder) => !layout.includes(`\`${folder}/\``))).toEqual([]);
  });

  it('load from their sources under the package name', async () => {
    const contracts = await import('switchyard-cdk/contracts');
    const kit = await import('switchyard-cdk/kit');
    expect(typeof contracts.defineContract).toBe('function');
    expect(typeof contracts.Type.Object).toBe('function');
    expect(typeof kit.createSqsConsumer).toBe('function');
  });
});
