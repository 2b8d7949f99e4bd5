import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCdkOut } from '../../inspect/assembly.js';

/** A project folder holding an assembly in each of `dirs`, the later ones synthesized later. */
function project(...dirs: string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'switchyard-assembly-'));
  dirs.forEach((dir, index) => {
    mkdirSync(path.join(root, dir), { recursive: true });
    const manifest = path.join(root, dir, 'manifest.json');
    writeFileSync(manifest, '{}');
    const time = new Date(Date.UTC(2026, 0, 1, 0, index));
    utimesSync(manifest, time, time);
  });
  return root;
}

describe('defaultCdkOut', () => {
  it('reads the assembly switchyard dev keeps when the project has no cdk.out', () => {
    const root = project('.switchyard/cdk.out');
    expect(defaultCdkOut(undefined, {}, root)).toBe(path.join(root, '.switchyard', 'cdk.out'));
  });

  it('reads the assembly synthesized last when the project has both', () => {
    expect(defaultCdkOut(undefined, {}, project('cdk.out', '.switchyard/cdk.out'))).toMatch(/\.switchyard\/cdk\.out$/);
    expect(defaultCdkOut(undefined, {}, project('.switchyard/cdk.out', 'cdk.out'))).toMatch(/[^.]cdk\.out$/);
  });

  it('takes --cdk-out, then SWITCHYARD_CDK_OUT, over either', () => {
    const root = project('cdk.out', '.switchyard/cdk.out');
    expect(defaultCdkOut('other.out', { SWITCHYARD_CDK_OUT: 'env.out' }, root)).toBe(path.join(root, 'other.out'));
    expect(defaultCdkOut(undefined, { SWITCHYARD_CDK_OUT: 'env.out' }, root)).toBe(path.join(root, 'env.out'));
  });

  it('names ./cdk.out when there is no assembly at all, for the error that says how to make one', () => {
    const root = project();
    expect(defaultCdkOut(undefined, {}, root)).toBe(path.join(root, 'cdk.out'));
  });
});
