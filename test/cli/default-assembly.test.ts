import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCdkOut } from '../../inspect/assembly.js';
import { assembliesIn, useTempFolders } from '../helpers/temp-folders.js';

const { folder } = useTempFolders('switchyard-assembly-');

/** A project folder holding an assembly in each of `dirs`, the later ones synthesized later. */
const project = (...dirs: string[]): string => assembliesIn(folder(), ...dirs);

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
