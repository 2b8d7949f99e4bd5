import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { loadApp } from '../../../local/template/load.js';
import { BASE_URL } from './helpers.js';

const HASH = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const BUCKET = `AssetParameters${HASH}S3Bucket5A6B7C8D`;
const KEY = `AssetParameters${HASH}S3VersionKey1A2B3C4D`;
const ARTIFACT = `AssetParameters${HASH}ArtifactHashDEADBEEF`;

/**
 * A cloud assembly as CDK v1 writes it: the function's code is named through asset
 * parameters without defaults, which `cdk deploy` fills from the manifest's `aws:cdk:asset`
 * metadata. Written out by hand, so that no v1 toolkit is needed to test it.
 */
function writeV1Assembly(options: { assetPathMetadata: boolean }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-cdk-v1-'));
  mkdirSync(path.join(dir, `asset.${HASH}`));
  writeFileSync(path.join(dir, `asset.${HASH}`, 'index.js'), 'exports.handler = async () => "ok";');
  const split = { 'Fn::Split': ['||', { Ref: KEY }] };
  const template = {
    Parameters: Object.fromEntries([BUCKET, KEY, ARTIFACT].map((name) => [name, { Type: 'String', Description: `asset "${HASH}"` }])),
    Resources: {
      Handler: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: { Ref: BUCKET }, S3Key: { 'Fn::Join': ['', [{ 'Fn::Select': [0, split] }, { 'Fn::Select': [1, split] }]] } },
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/handler',
          Runtime: 'nodejs12.x',
        },
        Metadata: options.assetPathMetadata ? { 'aws:asset:path': `asset.${HASH}`, 'aws:asset:property': 'Code' } : {},
      },
    },
  };
  writeFileSync(path.join(dir, 'Legacy.template.json'), JSON.stringify(template));
  const asset = {
    path: `asset.${HASH}`,
    id: HASH,
    packaging: 'zip',
    sourceHash: HASH,
    s3BucketParameter: BUCKET,
    s3KeyParameter: KEY,
    artifactHashParameter: ARTIFACT,
  };
  const manifest = {
    version: '17.0.0',
    artifacts: {
      Legacy: {
        type: 'aws:cloudformation:stack',
        environment: 'aws://unknown-account/unknown-region',
        properties: { templateFile: 'Legacy.template.json' },
        metadata: {
          '/Legacy': [{ type: 'aws:cdk:asset', data: asset }],
          '/Legacy/Handler/Resource': [{ type: 'aws:cdk:logicalId', data: 'Handler' }],
        },
      },
    },
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('loadApp with a CDK v1 assembly', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([true, false])(
    'values the asset parameters as cdk deploy would, without a warning (aws:asset:path metadata: %s)',
    (assetPathMetadata) => {
      dir = writeV1Assembly({ assetPathMetadata });
      const app = loadApp({ cdkOut: dir, baseUrl: BASE_URL, types: TEMPLATE_TYPES });
      expect(app.warnings.filter((w) => w.includes('AssetParameters'))).toEqual([]);
      const handler = app.stacks[0]?.resources.find((r) => r.logicalId === 'Handler');
      expect(handler?.properties.Code).toEqual({ S3Bucket: 'cdktoolkit-stagingbucket-local', S3Key: `assets/${HASH}.zip` });
      expect(handler?.assetPath).toBe(path.join(dir, `asset.${HASH}`));
      expect(app.stacks[0]?.description.parameters).toContainEqual({ key: ARTIFACT, value: HASH });
    },
  );

  it('still lets a value given at start-up win over the one the assembly implies', () => {
    dir = writeV1Assembly({ assetPathMetadata: true });
    const app = loadApp({
      cdkOut: dir,
      baseUrl: BASE_URL,
      types: TEMPLATE_TYPES,
      parameters: { [BUCKET]: 'my-bucket' },
    });
    expect(app.stacks[0]?.resources.find((r) => r.logicalId === 'Handler')?.properties.Code).toMatchObject({ S3Bucket: 'my-bucket' });
  });
});
