import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
};

/** `switchyard/<subpath>` -> the source file its compiled entry is built from. */
function exportedSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue;
    sources[`switchyard${subpath.slice(1)}`] = `./${target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')}`;
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

  it('declare their types beside their JavaScript', () => {
    for (const target of Object.values(manifest.exports)) {
      if (typeof target === 'string') continue;
      expect(target.types).toBe(target.default.replace(/\.js$/, '.d.ts'));
    }
  });

  it('have the same types for TypeScript projects that resolve without exports maps (moduleResolution node10)', () => {
    const fallback = Object.fromEntries(
      Object.entries(manifest.typesVersions['*'] ?? {}).map(([name, [file]]) => [`./${name}`, `./${file}`]),
    );
    const declared = Object.fromEntries(
      Object.entries(manifest.exports).flatMap(([subpath, target]) => (typeof target === 'string' ? [] : [[subpath, target.types]])),
    );
    expect(fallback).toEqual(declared);
  });

  it('load from their sources under the package name', async () => {
    const contracts = await import('switchyard/contracts');
    const kit = await import('switchyard/kit');
    expect(typeof contracts.defineContract).toBe('function');
    expect(typeof contracts.Type.Object).toBe('function');
    expect(typeof kit.createSqsConsumer).toBe('function');
  });
});
