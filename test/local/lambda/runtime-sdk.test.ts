import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunctionDefinition } from '../../../local/lambda/core/function-definition.js';
import { RuntimeSdk, SDK_RELEASE } from '../../../local/lambda/runtime/runtime-sdk.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { bundleAsNodejsFunction } from '../../helpers/function-bundles.js';
import { writeAssembly } from '../assembly.js';
import { credentials, disposableData } from '../helpers.js';
import { assetFunction } from '../template-resources.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

/**
 * The image API of a public AI app, as NodejsFunction bundles it (CommonJS, every `@aws-sdk/*`
 * package left to the runtime): it answers presigned URLs to upload and read an image, and
 * holds an SES client for the human-in-the-loop mail.
 */
const PRESIGN = `
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
const s3 = new S3Client({ forcePathStyle: true });
const ses = new SESClient({});
export const handler = async (event: { key: string }) => ({
  put: await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'images', Key: event.key }), { expiresIn: 300 }),
  get: await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'images', Key: event.key }), { expiresIn: 300 }),
  ses: typeof ses.send === 'function' && typeof SendEmailCommand === 'function',
  version: require('@aws-sdk/s3-request-presigner/package.json').version,
});`;

let dir: string;
let runtime: LocalRuntime;

/** A function asset bundled as NodejsFunction bundles it: CommonJS for Node, `@aws-sdk/*` and its `externalModules` external. */
async function asset(name: string, source: string, externalModules: string[] = []): Promise<string> {
  await bundleAsNodejsFunction(source, path.join(dir, 'cdk.out', name, 'index.js'), ['@aws-sdk/*', ...externalModules]);
  return name;
}

function fn(name: string, assetPath: string, runtimeId: string) {
  return assetFunction(name, assetPath, { Runtime: runtimeId, Timeout: 30 });
}

/**
 * A cache as a first start would have left it, seeded from this repository's own node_modules
 * (links: each package's dependencies resolve from the repository's tree, which is of the release).
 */
function seededCache(root: string, packages: readonly string[]): void {
  const folder = path.join(root, `v${SDK_RELEASE.version}`);
  const tree = path.join(folder, 'tree-seeded');
  for (const name of packages) {
    mkdirSync(path.dirname(path.join(tree, 'node_modules', name)), { recursive: true });
    symlinkSync(path.join(repo, 'node_modules', name), path.join(tree, 'node_modules', name), 'dir');
  }
  const dependencies = Object.fromEntries(packages.map((name) => [name, '*']));
  writeFileSync(path.join(tree, 'package.json'), JSON.stringify({ name: 'switchyard-runtime-sdk', private: true, dependencies }));
  writeFileSync(path.join(folder, 'current.json'), JSON.stringify({ tree: 'tree-seeded' }));
}

async function invoke(name: string): Promise<{ ok: boolean; payload?: unknown; error?: { errorType: string; errorMessage: string } }> {
  const outcome = await runtime.lambda.invoke(name, { key: 'cat.png' });
  return outcome.ok ? { ok: true, payload: JSON.parse(outcome.payload) } : { ok: false, error: outcome.error };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'switchyard-runtime-sdk-'));
  const cache = path.join(dir, 'sdk-cache');
  seededCache(cache, ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner', '@aws-sdk/client-ses']);
  // switchyard-cli as it would carry nothing: every SDK package the functions load comes from the cache.
  const carriedRoot = path.join(dir, 'cli');
  mkdirSync(carriedRoot);
  const cdkOut = writeAssembly(path.join(dir, 'cdk.out'), {
    Stack: {
      template: {
        Resources: {
          Images: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'images' } },
          Presign: fn('presign', await asset('asset.presign', PRESIGN), 'nodejs22.x'),
          Padded: fn(
            'padded',
            await asset('asset.padded', `import pad from 'left-pad'; export const handler = async () => pad('a', 3);`, ['left-pad']),
            'nodejs24.x',
          ),
          V2On22: fn(
            'v2-on-22',
            await asset('asset.v2', `import AWS from 'aws-sdk'; export const handler = async () => AWS.VERSION;`, ['aws-sdk']),
            'nodejs22.x',
          ),
          V2On24: fn('v2-on-24', 'asset.v2', 'nodejs24.x'),
          // node-fetch 2's optional dependency, as graphql-request bundles it: loaded only if present.
          OptionalEncoding: fn(
            'optional-encoding',
            await asset(
              'asset.optional',
              `let convert; try { convert = require('encoding').convert; } catch {} export const handler = async () => typeof convert;`,
              ['encoding'],
            ),
            'nodejs24.x',
          ),
          Athena: fn(
            'athena',
            await asset(
              'asset.athena',
              `import { AthenaClient } from '@aws-sdk/client-athena'; export const handler = async () => typeof AthenaClient;`,
            ),
            'nodejs24.x',
          ),
        },
      },
    },
  });
  runtime = await LocalRuntime.start({
    cdkOut,
    ...disposableData(),
    port: 0,
    log: () => {},
    verifySignatures: { credentials: [credentials] },
    // Fetching is off: what the cache lacks cannot be had, as offline.
    sdk: { cache, carriedRoot, fetch: false },
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('RuntimeSdk', () => {
  it("pins the release switchyard-cli's own clients come from", () => {
    const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(lock.packages['node_modules/@aws-sdk/client-s3']?.version).toBe(SDK_RELEASE.version);
  });

  it('runs a function that leaves @aws-sdk/s3-request-presigner and @aws-sdk/client-ses to the runtime, with them at the release', async () => {
    const result = await invoke('presign');
    expect(result).toMatchObject({ ok: true, payload: { ses: true, version: SDK_RELEASE.version } });
  });

  it('answers presigned URLs that the local S3 accepts: the object put through one is read through the other', async () => {
    const { payload } = (await invoke('presign')) as { payload: { put: string; get: string } };
    expect(new URL(payload.put).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const put = await fetch(payload.put, { method: 'PUT', body: 'a cat' });
    expect(put.status).toBe(200);
    const get = await fetch(payload.get);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('a cat');
    // The signature is checked: a URL whose signature is changed is refused.
    const forged = new URL(payload.get);
    forged.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(forged)).status).toBe(403);
  });

  it('fails with Runtime.ImportModuleError for a package no Lambda runtime has, and the start-up report names function and package', async () => {
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringMatching(
        /^ {2}function padded \(nodejs24\.x\): requires left-pad, which neither its code nor Lambda's nodejs24\.x runtime has/,
      ),
    );
    const result = await invoke('padded');
    expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
    expect(result.error?.errorMessage).toMatch(/^Error: Cannot find module 'left-pad'\nRequire stack:\n- .*index\.js$/);
  });

  it('runs a function that requires a missing package only inside try, and the start-up report does not say its init fails', async () => {
    expect((runtime.lambda.sdk?.report() ?? []).filter((line) => line.includes('optional-encoding'))).toEqual([]);
    expect(await invoke('optional-encoding')).toEqual({ ok: true, payload: 'undefined' });
  });

  it('fails if a function on nodejs22.x or nodejs24.x requires aws-sdk (v2), which those runtimes do not include', async () => {
    const report = runtime.lambda.sdk?.report() ?? [];
    for (const name of ['v2-on-22', 'v2-on-24']) {
      expect(report).toContainEqual(expect.stringMatching(new RegExp(`^ {2}function ${name} \\(nodejs2[24]\\.x\\): requires aws-sdk,`)));
      const result = await invoke(name);
      expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
      expect(result.error?.errorMessage).toMatch(/^Error: Cannot find module 'aws-sdk'\n/);
    }
  });

  it('fails if an SDK package could not be fetched, naming function, package and why at start-up, and in its Cannot find module', async () => {
    expect(runtime.warnings).toContainEqual(
      expect.stringMatching(
        /^function athena \(AWS::Lambda::Function\): needs @aws-sdk\/client-athena, which Lambda's nodejs24\.x runtime includes, but it could not be fetched into .* \(fetching is off/,
      ),
    );
    // Its client is of a service no local service answers, but the missing module is what fails first: only that is said.
    expect(runtime.warnings.filter((w) => w.startsWith('function athena '))).toHaveLength(1);
    const result = await invoke('athena');
    expect(result).toMatchObject({ ok: false, error: { errorType: 'Runtime.ImportModuleError' } });
    expect(result.error?.errorMessage).toMatch(
      /^Error: Cannot find module '@aws-sdk\/client-athena'\nRequire stack:\n- .*\n\(Lambda's runtime includes @aws-sdk\/client-athena; the local runtime could not fetch it: fetching is off/,
    );
  });

  it('names how functions get the SDK: the release, and the packages the cache holds', () => {
    expect(runtime.lambda.sdk?.report()[0]).toMatch(
      new RegExp(
        `^ {2}AWS SDK for functions: JavaScript v3 release ${SDK_RELEASE.version.replaceAll('.', '\\.')} .*@aws-sdk/client-s3, @aws-sdk/client-ses, @aws-sdk/s3-request-presigner from .*sdk-cache`,
      ),
    );
  });
});

describe('RuntimeSdk with a damaged cache', () => {
  it('fails if the cache pointer is damaged: functions get what the CLI carries, and a warning says how to start the cache anew', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'switchyard-damaged-sdk-'));
    try {
      mkdirSync(path.join(root, `v${SDK_RELEASE.version}`));
      writeFileSync(path.join(root, `v${SDK_RELEASE.version}`, 'current.json'), '{"tree": ');
      const sdk = new RuntimeSdk({ cache: root, fetch: false, carriedRoot: root });
      const fn = { name: 'damaged', runtime: 'nodejs24.x', codePath: path.join(root, 'none') } as FunctionDefinition;
      await sdk.provide(
        [fn],
        () => ({
          bundledServiceIds: new Set(),
          clientPackages: new Set(),
          external: new Set(['@aws-sdk/client-athena']),
          optional: new Set(),
        }),
        () => {},
      );
      expect(sdk.forWorker(fn).roots).toEqual([root]);
      expect(sdk.warnings()[0]).toMatch(
        /^the AWS SDK cache cannot be used \(the AWS SDK cache's pointer .*current\.json cannot be read: .*JSON.*\); delete /,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('RuntimeSdk of a team install', () => {
  const scan = (external: string[]) => () => ({
    bundledServiceIds: new Set<string>(),
    clientPackages: new Set<string>(),
    external: new Set(external),
    optional: new Set<string>(),
  });

  it('fetches the clients the CLI carries with what a function needs from the cache, so its SDK is one release', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'switchyard-one-release-'));
    try {
      // The CLI as a team installs it carries @aws-sdk/client-s3 at whatever release npm chose.
      const sdk = new RuntimeSdk({ cache: root, fetch: true, carriedRoot: repo });
      const fill = vi.spyOn(sdk.cache, 'fill').mockResolvedValue({ provided: [], notInSdk: new Map(), failed: new Map() });
      const presign = { name: 'presign', runtime: 'nodejs24.x', codePath: root } as FunctionDefinition;
      await sdk.provide([presign], scan(['@aws-sdk/client-athena', '@aws-sdk/client-s3']), () => {});
      expect(fill).toHaveBeenCalledWith(['@aws-sdk/client-athena', '@aws-sdk/client-s3']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fetches nothing for a function whose SDK packages the CLI all carries, and a carried client that fails to fetch still loads', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'switchyard-one-release-'));
    try {
      const sdk = new RuntimeSdk({ cache: root, fetch: true, carriedRoot: repo });
      const fill = vi.spyOn(sdk.cache, 'fill');
      const plain = { name: 'plain', runtime: 'nodejs24.x', codePath: root } as FunctionDefinition;
      await sdk.provide([plain], scan(['@aws-sdk/client-s3']), () => {});
      expect(fill).not.toHaveBeenCalled();

      const offline = new Map([
        ['@aws-sdk/client-s3', 'registry unreachable'],
        ['@aws-sdk/client-athena', 'registry unreachable'],
      ]);
      fill.mockResolvedValue({ provided: [], notInSdk: new Map(), failed: offline });
      const presign = { name: 'presign', runtime: 'nodejs24.x', codePath: root } as FunctionDefinition;
      await sdk.provide([presign], scan(['@aws-sdk/client-athena', '@aws-sdk/client-s3']), () => {});
      expect(sdk.unloadable(presign)).toEqual(new Set(['@aws-sdk/client-athena']));
      expect(Object.keys(sdk.forWorker(presign).unavailable)).toEqual(['@aws-sdk/client-athena']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
