import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../local/lambda/core/function-definition.js';
import { powertoolsRelease, publicLayer } from '../../../local/lambda/runtime/public-layers/catalogue.js';
import { PublicLayers } from '../../../local/lambda/runtime/public-layers/public-layers.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { appDeployRegions } from '../../../local/template/deploy-regions.js';
import { writeAssembly } from '../assembly.js';
import { disposableData } from '../helpers.js';
import { assetFunction } from '../template-resources.js';
import { type RegistryPackage, startRegistry } from './npm-registry.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const POWERTOOLS_V2 = (version: number) => `arn:aws:lambda:us-east-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:${version}`;
const EXTENSION = 'arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:11';
const UNKNOWN = 'arn:aws:lambda:us-east-1:123456789012:layer:private-tools:3';
const ADOT = 'arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-nodejs-amd64-ver-1-30-1:1';
/** The variables naming the Region `cdk deploy` sends an unpinned stack to. */
const REGION_VARIABLES = ['CDK_DEFAULT_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;
/** The extension as eu-west-1's publisher has it: a function in us-east-1 cannot take it. */
const EXTENSION_IRELAND = 'arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:11';
/** Public layers fetched into the cache `cacheRoot` with npm's environment `npmEnv` (its registry), quiet. */
const fetchingLayers = (cacheRoot: string, npmEnv: Record<string, string>) =>
  new PublicLayers({
    cacheRoot,
    fetch: true,
    npm: { env: npmEnv },
    endpoint: '',
    region: 'us-east-1',
    accountId: '000000000000',
    log: () => {},
  });

/** Function `orders` (Node.js 22, its code in `codePath`) on Powertools layer V2:40 (release 2.28.1). */
const ordersOnV240 = (codePath: string) =>
  ({
    name: 'orders',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:orders',
    runtime: 'nodejs22.x',
    codePath,
    environment: {},
    publicLayers: [{ arn: POWERTOOLS_V2(40), position: 0 }],
  }) as unknown as FunctionDefinition;

/** Ports of this suite's own: the extension's for its functions, and one a program holds before the runtime starts. */
const EXTENSION_PORT = 4703;
const TAKEN_PORT = 4704;

describe('publicLayer', () => {
  it('knows each Powertools (TypeScript) layer version by the release it was published with', () => {
    expect(publicLayer(POWERTOOLS_V2(50))).toMatchObject({ kind: 'powertools', release: { version: '2.35.0', newerThanKnown: false } });
    expect(publicLayer(POWERTOOLS_V2(40))).toMatchObject({ release: { version: '2.28.1' } });
    expect(publicLayer(POWERTOOLS_V2(1))).toMatchObject({ release: { version: '2.0.1' } });
    expect(publicLayer('arn:aws:lambda:eu-west-1:094274105915:layer:AWSLambdaPowertoolsTypeScript:29')).toMatchObject({
      release: { version: '1.18.1' },
    });
  });

  it('takes the newest release known for a layer version newer than the table, and says so', () => {
    expect(powertoolsRelease('V2', 500)).toMatchObject({ version: '2.35.0', newerThanKnown: true });
  });

  it('knows the Parameters and Secrets extension from any publisher account, either architecture', () => {
    expect(publicLayer(EXTENSION)).toMatchObject({ kind: 'parameters-secrets' });
    expect(publicLayer('arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:12')).toMatchObject({
      kind: 'parameters-secrets',
    });
  });

  it('knows the ADOT, OpenTelemetry and Lambda Insights layers as ones whose absence the function does not see', () => {
    for (const arn of [
      ADOT,
      'arn:aws:lambda:us-east-1:184161586896:layer:opentelemetry-nodejs-0_14_0:1',
      'arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:55',
    ]) {
      expect(publicLayer(arn)).toMatchObject({ kind: 'stand-in' });
    }
  });

  it('fails if the layer is no public layer it knows: another publisher, a Powertools name from another account, not an ARN', () => {
    expect(publicLayer(UNKNOWN)).toBeUndefined();
    expect(publicLayer('arn:aws:lambda:us-east-1:111122223333:layer:AWSLambdaPowertoolsTypeScriptV2:50')).toBeUndefined();
    expect(publicLayer('my-layer')).toBeUndefined();
  });
});

const EXTENSION_CALLS = `
const http = require('node:http');
const port = Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773);
const get = (path, token) => new Promise((resolve, reject) => {
  const headers = token === undefined ? {} : { 'X-Aws-Parameters-Secrets-Token': token };
  http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
    let body = '';
    res.on('data', (chunk) => (body += chunk));
    res.on('end', () => resolve({ status: res.statusCode, body }));
  }).on('error', reject);
});
exports.handler = async () => ({
  port,
  parameter: await get('/systemsmanager/parameters/get?name=%2Fapp%2Fcolour&withDecryption=true', process.env.AWS_SESSION_TOKEN),
  secret: await get('/secretsmanager/get?secretId=app-secret', process.env.AWS_SESSION_TOKEN),
  wrongToken: await get('/secretsmanager/get?secretId=app-secret', 'not-my-token'),
  noToken: await get('/secretsmanager/get?secretId=app-secret'),
});`;

const POWERTOOLS_LOGGER = `
const { Logger } = require('@aws-lambda-powertools/logger');
const logger = new Logger({ serviceName: 'orders' });
exports.handler = async () => { logger.info('order taken', { orderId: 7 }); return 'logged'; };`;

let dir: string;
let runtime: LocalRuntime;
let holder: Server;
const lines: string[] = [];

function asset(name: string, code: string): string {
  mkdirSync(path.join(dir, 'cdk.out', name), { recursive: true });
  writeFileSync(path.join(dir, 'cdk.out', name, 'index.js'), code);
  return name;
}

function fn(name: string, assetPath: string, layers: string[], more: Record<string, unknown> = {}) {
  return assetFunction(name, assetPath, { Runtime: 'nodejs22.x', Timeout: 30, Layers: layers, ...more });
}

function role(name: string, actions: string[]) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: name,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
      Policies: [
        {
          PolicyName: 'reads',
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
        },
      ],
    },
  };
}

/** The Powertools layer's release as a first start would have left it in the cache: its packages, copied from this repository's. */
function seededPowertools(cache: string): void {
  const folder = path.join(cache, 'powertools-typescript-v2.35.0');
  const modules = path.join(folder, 'tree-seeded', 'nodejs', 'node_modules');
  for (const name of ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/commons', '@aws/lambda-invoke-store']) {
    cpSync(path.join(repo, 'node_modules', name), path.join(modules, name), { recursive: true, dereference: true });
  }
  writeFileSync(path.join(modules, '..', 'package.json'), JSON.stringify({ dependencies: { '@aws-lambda-powertools/logger': '2.35.0' } }));
  writeFileSync(path.join(folder, 'current.json'), JSON.stringify({ tree: 'tree-seeded' }));
}

async function invoke(name: string) {
  const outcome = await runtime.lambda.invoke(name, {});
  return outcome.ok ? { ok: true as const, payload: JSON.parse(outcome.payload) } : { ok: false as const, error: outcome.error };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'switchyard-public-layers-'));
  const cache = path.join(dir, 'cache');
  seededPowertools(cache);
  holder = createServer(() => {});
  await new Promise<void>((resolve) => holder.listen(TAKEN_PORT, '127.0.0.1', resolve));
  const reader = { 'Fn::GetAtt': ['Reader', 'Arn'] };
  const port = (value: number) => ({ Environment: { Variables: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(value) } } });
  const cdkOut = writeAssembly(path.join(dir, 'cdk.out'), {
    Stack: {
      template: {
        Resources: {
          Colour: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/app/colour', Type: 'String', Value: 'teal' } },
          Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'app-secret', SecretString: 's3cret' } },
          Reader: role('reader', ['ssm:GetParameter', 'secretsmanager:GetSecretValue']),
          Nobody: role('nobody', ['sqs:SendMessage']),
          Orders: fn('orders', asset('asset.orders', POWERTOOLS_LOGGER), [POWERTOOLS_V2(50)]),
          Reads: fn('reads', asset('asset.reads', EXTENSION_CALLS), [EXTENSION], { Role: reader, ...port(EXTENSION_PORT) }),
          Refused: fn('refused', 'asset.reads', [EXTENSION], { Role: { 'Fn::GetAtt': ['Nobody', 'Arn'] }, ...port(EXTENSION_PORT) }),
          Displaced: fn('displaced', 'asset.reads', [EXTENSION], { Role: reader, ...port(TAKEN_PORT) }),
          Private: fn('private', asset('asset.plain', 'exports.handler = async () => "ran";'), [UNKNOWN]),
          PrivateInit: fn(
            'private-init',
            asset('asset.init', 'console.log("init of private-init ran");\nexports.handler = async () => "ran";'),
            [UNKNOWN],
          ),
          Abroad: fn('abroad', 'asset.reads', [EXTENSION_IRELAND], { Role: reader, ...port(EXTENSION_PORT) }),
          Traced: fn('traced', 'asset.plain', [ADOT], { Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-handler' } } }),
        },
      },
    },
  });
  // The shell's Region would be a Region the app deploys to (its eu-west-1 layer its own): none, as on a machine without one.
  const shell = REGION_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const [name] of shell) delete process.env[name];
  try {
    runtime = await LocalRuntime.start({
      cdkOut,
      ...disposableData(),
      port: 0,
      iam: 'enforce',
      log: (line) => lines.push(line),
      // Offline: the Powertools release comes from the seeded cache.
      sdk: { cache, fetch: false },
    });
  } finally {
    for (const [name, value] of shell) if (value !== undefined) process.env[name] = value;
  }
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await new Promise((resolve) => holder?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('PublicLayers', () => {
  it("runs a function whose bundle leaves @aws-lambda-powertools to the Powertools layer, logging through Logger from the layer's release", async () => {
    expect(await invoke('orders')).toEqual({ ok: true, payload: 'logged' });
    const logged = lines.map((line) => line.replace(/^\[orders\] /, '')).find((line) => line.includes('order taken'));
    expect(JSON.parse(logged ?? '{}')).toMatchObject({ level: 'INFO', message: 'order taken', service: 'orders', orderId: 7 });
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringMatching(
        /^ {2}function orders: layer AWSLambdaPowertoolsTypeScriptV2:50: Powertools for AWS Lambda \(TypeScript\) 2\.35\.0, from .*powertools-typescript-v2\.35\.0$/,
      ),
    );
    // Not reported as a package no runtime has.
    expect(runtime.lambda.sdk?.report().join('\n')).not.toMatch(/function orders \(nodejs22\.x\): requires/);
  });

  it("answers the extension's parameter and secret as SSM GetParameter and Secrets Manager GetSecretValue, called as the function's role", async () => {
    const result = await invoke('reads');
    expect(result.ok).toBe(true);
    const { parameter, secret } = result.ok ? result.payload : {};
    expect(parameter.status).toBe(200);
    expect(JSON.parse(parameter.body)).toMatchObject({
      Parameter: { Name: '/app/colour', Type: 'String', Value: 'teal', Version: 1, Selector: null, DataType: 'text' },
      ResultMetadata: {},
    });
    expect(secret.status).toBe(200);
    expect(JSON.parse(secret.body)).toMatchObject({
      Name: 'app-secret',
      SecretString: 's3cret',
      SecretBinary: null,
      VersionStages: ['AWSCURRENT'],
      ResultMetadata: {},
    });
  });

  it("fails if the token is not the function's session token, or is missing", async () => {
    const result = await invoke('reads');
    const { wrongToken, noToken } = result.ok ? result.payload : {};
    expect(wrongToken.status).toBe(403);
    expect(noToken.status).toBe(401);
  });

  it('fails if the role may not read the parameter, as the extension answers it, with the reason in the function log', async () => {
    const result = await invoke('refused');
    const { parameter, secret } = result.ok ? result.payload : {};
    expect(parameter).toEqual({ status: 400, body: 'an unexpected error occurred while executing request' });
    expect(secret.status).toBe(400);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[refused\] \[AWS Parameters and Secrets Lambda Extension\] ERROR GetParameter request encountered an error: api error AccessDeniedException: .*ssm:GetParameter/,
      ),
    );
  });

  it("serves the extension on a free port when the function's is taken, and tells the function in its environment and the report", async () => {
    const result = await invoke('displaced');
    const payload = result.ok ? result.payload : {};
    expect(payload.port).not.toBe(TAKEN_PORT);
    expect(payload.parameter.status).toBe(200);
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringContaining(
        `function displaced: layer AWS-Parameters-and-Secrets-Lambda-Extension:11: AWS Parameters and Secrets Lambda Extension: its HTTP API on http://127.0.0.1:${payload.port}`,
      ),
    );
  });

  it('names a layer whose absence the function does not see, with what stands in, and runs the function', async () => {
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringMatching(
        /^ {2}function traced: layer aws-otel-nodejs-amd64-ver-1-30-1:1: AWS Distro for OpenTelemetry \(ADOT\), not run locally: /,
      ),
    );
    expect(await invoke('traced')).toEqual({ ok: true, payload: 'ran' });
  });

  it('fails if a layer is one nobody can provide: named at start-up, and every invocation answers Lambda’s error for it', async () => {
    const message = `User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:GetLayerVersion on resource: ${UNKNOWN} because no resource-based policy allows the lambda:GetLayerVersion action`;
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringContaining(`function private: layer ${UNKNOWN} is no layer anyone can provide here`),
    );
    // Another account's layer may be a vendor's public one, which AWS would run: the report does not claim AWS refuses it.
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      expect.stringMatching(
        /function private: .* \(if its publisher shares it, as a public layer, AWS creates the function and runs it with the layer: here it is refused as a layer not shared with the account\)$/,
      ),
    );
    await expect(runtime.lambda.invoke('private', {})).rejects.toMatchObject({ code: 'AccessDeniedException', message, status: 403 });
  });

  it('starts no environment ahead of an invocation for a function whose invocations are all refused (its init never runs)', async () => {
    await runtime.warm();
    expect(lines.some((line) => line.includes('init of private-init ran'))).toBe(false);
  });

  it("fails if a layer is another region's, even a public one it knows: named at start-up, and every invocation answers CreateFunction's refusal", async () => {
    const message = 'Layers are not in the same region as the function. Layers are expected to be in region us-east-1.';
    expect(runtime.lambda.sdk?.report()).toContainEqual(
      `  function abroad: layer ${EXTENSION_IRELAND} is in eu-west-1, not the function's region; its invocations fail as its creation would in Lambda: InvalidParameterValueException: ${message}`,
    );
    await expect(runtime.lambda.invoke('abroad', {})).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message,
      status: 400,
    });
  });
});

describe('PublicLayers and the Regions an app deploys to', () => {
  const layers = (deployRegions: string[]) =>
    new PublicLayers({
      cacheRoot: '',
      fetch: false,
      endpoint: '',
      region: 'us-east-1',
      deployRegions,
      accountId: '000000000000',
      log: () => {},
    });
  const traced = {
    name: 'traced',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:traced',
    runtime: 'nodejs22.x',
    environment: {},
    publicLayers: [{ arn: ADOT.replace('us-east-1', 'eu-west-1'), position: 0 }],
  } as unknown as FunctionDefinition;

  it('takes a layer of the Region the app deploys to (an unpinned stack from a European shell), though the runtime runs it in us-east-1', async () => {
    const provider = layers(['eu-west-1']);
    await provider.provide(
      [traced],
      () => new Set(),
      () => {},
    );
    expect(provider.error(traced)).toBeUndefined();
    expect(provider.report()).toEqual([expect.stringContaining('AWS Distro for OpenTelemetry (ADOT), not run locally')]);
  });

  it('fails if the layer is of no Region the app deploys to, expecting the one it deploys to', async () => {
    const provider = layers(['ap-southeast-2']);
    await provider.provide(
      [traced],
      () => new Set(),
      () => {},
    );
    expect(provider.error(traced)).toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'Layers are not in the same region as the function. Layers are expected to be in region ap-southeast-2.',
    });
  });
});

describe('appDeployRegions', () => {
  it("names the Regions pinned stacks deploy to and the shell's Region unpinned ones deploy to, once each", () => {
    const before = process.env.AWS_REGION;
    const others = { CDK_DEFAULT_REGION: process.env.CDK_DEFAULT_REGION };
    delete process.env.CDK_DEFAULT_REGION;
    process.env.AWS_REGION = 'eu-west-1';
    try {
      const app = { stacks: [{ resources: [{ stackRegion: 'eu-west-1' }, {}] }, { resources: [{ stackRegion: 'us-west-2' }] }] };
      expect(appDeployRegions(app)).toEqual(['eu-west-1', 'us-west-2']);
    } finally {
      if (before === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = before;
      if (others.CDK_DEFAULT_REGION !== undefined) process.env.CDK_DEFAULT_REGION = others.CDK_DEFAULT_REGION;
    }
  });
});

describe('PublicLayers fetching', () => {
  it("fetches the layer version's own Powertools release from the npm registry on first need, then reads it offline", async () => {
    const logger = (version: string, published: string) => ({
      name: '@aws-lambda-powertools/logger',
      version,
      published,
      files: { 'index.js': `exports.version = '${version}';` },
    });
    // 2.28.1 is V2:40's release; a patch came out before the docs named the layer, and newer ones since.
    const registry = await startRegistry([
      logger('2.28.1', '2025-10-22T00:00:00.000Z'),
      logger('2.28.2', '2025-10-23T00:00:00.000Z'),
      logger('2.35.0', '2026-08-01T00:00:00.000Z'),
    ]);
    const root = mkdtempSync(path.join(tmpdir(), 'switchyard-powertools-cache-'));
    try {
      const layersWith = (npmEnv: Record<string, string>) => fetchingLayers(root, npmEnv);
      const orders = ordersOnV240(root);
      const imports = () => new Set(['@aws-lambda-powertools/logger']);
      const fetched = layersWith(registry.npmEnv);
      await fetched.provide([orders], imports, () => {});
      const [layerRoot = ''] = fetched.forWorker(orders).layerRoots;
      const installed = path.join(layerRoot, 'nodejs', 'node_modules', '@aws-lambda-powertools', 'logger', 'package.json');
      expect(JSON.parse(readFileSync(installed, 'utf8')).version).toBe('2.28.1');
      expect(fetched.report()).toEqual([
        expect.stringMatching(
          /^ {2}function orders: layer AWSLambdaPowertoolsTypeScriptV2:40: Powertools for AWS Lambda \(TypeScript\) 2\.28\.1, fetched into /,
        ),
      ]);
      // Offline: the registry cannot be reached, and the cache answers.
      const offline = layersWith({ ...registry.npmEnv, npm_config_registry: 'http://127.0.0.1:9/' });
      await offline.provide([orders], imports, () => {});
      expect(offline.forWorker(orders).layerRoots).toEqual([layerRoot]);
      expect(offline.report()[0]).toMatch(/2\.28\.1, from /);
    } finally {
      await registry.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  /** Provides layer V2:40 (Powertools 2.28.1, dated 2025-10-23T16:35:42Z) from a registry serving `packages`; its report line and logger's package.json. */
  async function provideV240(packages: RegistryPackage[]): Promise<{ line: string | undefined; installed: string | undefined }> {
    const registry = await startRegistry(packages);
    const root = mkdtempSync(path.join(tmpdir(), 'switchyard-powertools-cache-'));
    try {
      const layers = fetchingLayers(root, registry.npmEnv);
      const orders = ordersOnV240(root);
      await layers.provide(
        [orders],
        () => new Set(['@aws-lambda-powertools/logger']),
        () => {},
      );
      const [layerRoot] = layers.forWorker(orders).layerRoots;
      const manifest = layerRoot && path.join(layerRoot, 'nodejs', 'node_modules', '@aws-lambda-powertools', 'logger', 'package.json');
      return { line: layers.report()[0], installed: manifest && existsSync(manifest) ? readFileSync(manifest, 'utf8') : undefined };
    } finally {
      await registry.close();
      rmSync(root, { recursive: true, force: true });
    }
  }

  it("fetches the release a registry dates after the layer (a mirror's own publication times), saying its dependencies are today's", async () => {
    const { line, installed } = await provideV240([
      { name: '@aws-lambda-powertools/logger', version: '2.28.1', published: '2026-03-21T00:54:34.000Z', files: { 'index.js': '' } },
    ]);
    expect(JSON.parse(installed ?? '{}').version).toBe('2.28.1');
    expect(line).toMatch(/2\.28\.1, fetched into .* \(the registry dates 2\.28\.1 after the layer's 2025-10-23T16:35:42Z: /);
  }, 120_000);

  it('fails if the registry has no such release, saying so at start-up instead of "fetched"', async () => {
    const { line, installed } = await provideV240([
      { name: '@aws-lambda-powertools/logger', version: '2.28.2', published: '2025-10-01T00:00:00.000Z', files: { 'index.js': '' } },
    ]);
    expect(installed).toBeUndefined();
    expect(line).toMatch(
      /2\.28\.1: could not fetch @aws-lambda-powertools\/logger \(npm ETARGET: .*\); its init fails with Cannot find package/,
    );
  }, 120_000);
});
