import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assetPathOf, readCloudAssembly } from '../../../local/template/cloud-assembly.js';

const HASH = 'abc123';
const dirs: string[] = [];

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
}

/** A cloud assembly as `cdk synth` writes it: one stack, its asset manifest and one bundled asset. */
function assembly(dir: string, stackId: string, properties: Record<string, unknown> = {}): void {
  writeJson(path.join(dir, `${stackId}.assets.json`), {
    version: '55.0.0',
    files: {
      [HASH]: {
        source: { path: `asset.${HASH}`, packaging: 'zip' },
        destinations: { current: { bucketName: 'cdk-assets', objectKey: `${HASH}.zip` } },
      },
    },
  });
  mkdirSync(path.join(dir, `asset.${HASH}`), { recursive: true });
  writeFileSync(path.join(dir, `asset.${HASH}`, 'index.mjs'), '');
  writeJson(path.join(dir, `${stackId}.template.json`), {
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'cdk-assets', S3Key: `${HASH}.zip` } } },
      Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'x' } },
    },
  });
  writeJson(path.join(dir, 'manifest.json'), {
    version: '55.0.0',
    artifacts: {
      [`${stackId}.assets`]: { type: 'cdk:asset-manifest', properties: { file: `${stackId}.assets.json` } },
      [stackId]: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://111111111111/eu-west-1',
        properties: { templateFile: `${stackId}.template.json`, ...properties },
        dependencies: [`${stackId}.assets`],
      },
      Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
    },
  });
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cloud-assembly-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('readCloudAssembly', () => {
  it('reads each stack artifact with its template, environment and assets', () => {
    const dir = tempDir();
    assembly(dir, 'App');
    const [stack, ...others] = readCloudAssembly(dir).stacks;
    expect(others).toEqual([]);
    expect(stack).toMatchObject({
      artifactId: 'App',
      stackName: 'App',
      assemblyDir: dir,
      templateFile: path.join(dir, 'App.template.json'),
      environment: { account: '111111111111', region: 'eu-west-1' },
      nestedStacks: ['Child'],
      // The asset manifest it depends on is no stack: only stacks order the deployment.
      dependencies: [],
    });
    expect(stack?.template.Resources?.Fn?.Type).toBe('AWS::Lambda::Function');
    expect(stack?.assets.get(`${HASH}.zip`)).toBe(path.join(dir, `asset.${HASH}`));
  });

  it('takes the stack name from the artifact when the app set one', () => {
    const dir = tempDir();
    assembly(dir, 'AppArtifact', { stackName: 'custom-name' });
    expect(readCloudAssembly(dir).stacks[0]?.stackName).toBe('custom-name');
  });

  it("reads the stacks of a stage's nested assembly", () => {
    const dir = tempDir();
    assembly(path.join(dir, 'assembly-Prod'), 'ProdApp');
    writeJson(path.join(dir, 'manifest.json'), {
      version: '55.0.0',
      artifacts: { 'assembly-Prod': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod' } } },
    });
    const [stack] = readCloudAssembly(dir).stacks;
    expect(stack?.stackName).toBe('ProdApp');
    expect(stack?.assets.get(`${HASH}.zip`)).toBe(path.join(dir, 'assembly-Prod', `asset.${HASH}`));
  });

  it('leaves the environment out when the stack is environment-agnostic', () => {
    const dir = tempDir();
    assembly(dir, 'App');
    const manifestFile = path.join(dir, 'manifest.json');
    writeJson(manifestFile, {
      artifacts: {
        App: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://unknown-account/unknown-region',
          properties: { templateFile: 'App.template.json' },
        },
      },
    });
    expect(readCloudAssembly(dir).stacks[0]?.environment).toEqual({});
  });

  it('fails if the folder holds no manifest.json', () => {
    expect(() => readCloudAssembly(tempDir())).toThrow('manifest.json is missing');
  });
});

describe('assetPathOf', () => {
  it('prefers the aws:asset:path metadata, relative to the assembly', () => {
    const dir = tempDir();
    assembly(dir, 'App');
    const [stack] = readCloudAssembly(dir).stacks;
    if (stack === undefined) throw new Error('no stack');
    expect(assetPathOf(stack, { 'aws:asset:path': 'asset.other' }, `${HASH}.zip`)).toBe(path.join(dir, 'asset.other'));
    expect(assetPathOf(stack, {}, `${HASH}.zip`)).toBe(path.join(dir, `asset.${HASH}`));
    expect(assetPathOf(stack, undefined, 'unknown.zip')).toBeUndefined();
  });
});
