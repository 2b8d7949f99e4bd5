import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { synthSwitchyardApp } from './synth.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function outdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-synth-test-'));
  dirs.push(dir);
  return dir;
}

describe('synthSwitchyardApp', () => {
  it('bundles the app once per run and gives each caller a copy of its own', () => {
    const [a, b] = [outdir(), outdir()];
    const first = synthSwitchyardApp(a);
    const second = synthSwitchyardApp(b);

    // One synthesis, kept beside the run's folder (test/global-setup.ts), which both are copies of.
    const shared = `${inject('switchyardSynthDir')}.000000000000-us-east-1`;
    expect(existsSync(path.join(shared, 'manifest.json'))).toBe(true);
    expect(second.template.toJSON()).toEqual(first.template.toJSON());
    expect(first.assembly.directory).toBe(a);
    expect(second.assembly.directory).toBe(b);

    const fn = Object.values(first.template.findResources('AWS::Lambda::Function')).find((r) => r.Metadata?.['aws:asset:path']);
    const bundle = (dir: string) => path.join(dir, String(fn?.Metadata['aws:asset:path']), 'index.mjs');
    expect(existsSync(bundle(a))).toBe(true);
    expect(readFileSync(bundle(b), 'utf8')).toBe(readFileSync(bundle(shared), 'utf8'));

    // A caller that changes its assembly changes nobody else's.
    writeFileSync(bundle(a), 'changed');
    expect(readFileSync(bundle(b), 'utf8')).not.toBe('changed');
    expect(readFileSync(bundle(shared), 'utf8')).not.toBe('changed');
  });
});
