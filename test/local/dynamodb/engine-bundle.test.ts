import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineBundle } from '../../../local/dynamodb/engine-bundle.js';

const ROOT = path.join(import.meta.dirname, '../../..');

describe('engineBundle', () => {
  it("bundles the engine's thread into one module under node_modules/.cache, the same while its sources are unchanged", async () => {
    const file = await engineBundle();
    expect(path.relative(ROOT, file)).toMatch(/^node_modules\/\.cache\/switchyard-dynamodb-engine\/[0-9a-f]{16}\/engine-worker\.mjs$/);
    expect(await engineBundle()).toBe(file);
    // Each module keeps its own import.meta: the endpoint's validator reads the models beside its own folder.
    expect(readFileSync(file, 'utf8')).not.toContain('import.meta');
  });

  it("maps the bundle back to the engine's TypeScript sources where they are, so that stack traces name them", async () => {
    const file = await engineBundle();
    const code = readFileSync(file, 'utf8').split('\n');
    const line = code.findIndex((text) => text.includes('a request failed inside the engine'));
    const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    const entry = map.findEntry(line, code[line]?.indexOf('console.error') ?? 0);
    expect('originalSource' in entry && path.resolve(path.dirname(file), entry.originalSource)).toBe(
      path.join(ROOT, 'local/dynamodb/engine/http.ts'),
    );
    const source = readFileSync(path.join(ROOT, 'local/dynamodb/engine/http.ts'), 'utf8').split('\n');
    expect('originalLine' in entry && source[entry.originalLine]).toContain('a request failed inside the engine');
  });
});
