import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onFirstUse } from '../../../local/startup/on-first-use.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The packages the runtime loads at their first use (each beside its caller; graphql and ws with an app's first GraphQL API): none is part of a start. */
const LOADED_AT_FIRST_USE = ['typebox', 'nodemailer', 'postal-mime', 'handlebars', 'cbor2', 'graphql', 'ws'];

/** The packages of node_modules a process loads with the runtime's launcher (local/launcher.ts, through tsx), by name. */
function packagesLoadedWithTheLauncher(): Set<string> {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) { const resolved = next(specifier, context); seen.add(resolved.url); return resolved; } });
    await import('./local/launcher.ts');
    console.log(JSON.stringify([...seen]));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const urls = JSON.parse(run.stdout) as string[];
  return new Set(urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
}

describe('onFirstUse', () => {
  it('gives the package as import() gives it, the same module (an ES module required is not a copy)', async () => {
    const cbor = onFirstUse<typeof import('cbor2')>('cbor2');
    expect(cbor()).toBe(await import('cbor2'));
    expect(cbor()).toBe(cbor());
  });

  it("keeps the runtime's start from loading the packages only some requests need", () => {
    const loaded = packagesLoadedWithTheLauncher();
    // The check itself: the launcher's own packages are seen.
    expect(loaded.has('@aws-sdk/client-dynamodb')).toBe(true);
    expect(LOADED_AT_FIRST_USE.filter((name) => loaded.has(name))).toEqual([]);
  });
});
