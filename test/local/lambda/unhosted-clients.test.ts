import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../../local/lambda/core/function-definition.js';
import {
  endpointBlindClientWarnings,
  scanCode,
  unhostedClients,
  unhostedClientWarnings,
} from '../../../local/lambda/runtime/unhosted-clients.js';
import { SERVICE_MODULES } from '../../../local/service-registry/modules.js';

const HOSTED = SERVICE_MODULES.flatMap((module) => module.sdkClients ?? []);
/** The hosted clients of a runtime without its Bedrock module: the one bundled client installed here that it would not answer. */
const WITHOUT_BEDROCK = HOSTED.filter((client) => client.serviceId !== 'Bedrock Runtime');
const repo = path.resolve(import.meta.dirname, '..', '..', '..');
let dir: string;

/** Bundles `source` as SwitchyardFunction does (ESM, minified, for Node), into a function asset folder of its own. */
async function asset(name: string, source: string, external: string[] = []): Promise<string> {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  await build({
    stdin: { contents: source, resolveDir: repo, loader: 'ts' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external,
    outfile: path.join(folder, 'index.mjs'),
    logLevel: 'silent',
  });
  return folder;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'switchyard-unhosted-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unhostedClients', () => {
  it('names a bundled client of a service no local service answers, by its service id', async () => {
    const folder = await asset(
      'bedrock',
      `import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
       import { SQSClient } from '@aws-sdk/client-sqs';
       export const clients = [new BedrockRuntimeClient({}), new SQSClient({})];`,
    );
    expect(unhostedClients(folder, WITHOUT_BEDROCK)).toEqual(['Bedrock Runtime']);
    // The runtime answers Bedrock Runtime (local/bedrock): the function is not named.
    expect(unhostedClients(folder, HOSTED)).toEqual([]);
  }, 30_000);

  it("names a Python function's boto3 client of a service no local service answers, and none of the hosted ones", () => {
    const folder = path.join(dir, 'python');
    mkdirSync(path.join(folder, 'botocore'), { recursive: true });
    writeFileSync(
      path.join(folder, 'index.py'),
      [
        'import boto3',
        "s3 = boto3.client('s3')",
        "invoicing = boto3.client('invoicing', region_name='us-east-1')",
        'sfn = boto3.client("stepfunctions")',
        "logs = boto3.session.Session().client(service_name='logs')",
        "table = boto3.resource('dynamodb').Table('t')",
        "bedrock = boto3.client('bedrock-runtime')",
        "sts = boto3.client('sts')",
        "events = boto3.client('events')",
        "idp = boto3.client('cognito-idp')",
        "secrets = boto3.client('secretsmanager')",
      ].join('\n'),
    );
    // A vendored SDK's own code creates clients of everything: not the function's.
    writeFileSync(path.join(folder, 'botocore', 'docs.py'), "client = session.client('glacier')\n");
    expect(unhostedClients(folder, HOSTED)).toEqual(["boto3 'invoicing'"]);
  });

  it("names no boto3 client of a Python file inside a Node function's node_modules: a package's build scripts are not the function's code", () => {
    const folder = path.join(dir, 'node-with-python');
    mkdirSync(path.join(folder, 'node_modules', 'node-gyp', 'gyp'), { recursive: true });
    writeFileSync(path.join(folder, 'index.mjs'), 'export const handler = async () => ({});\n');
    writeFileSync(path.join(folder, 'node_modules', 'node-gyp', 'gyp', 'upload.py'), "client = boto3.client('glacier')\n");
    expect(unhostedClients(folder, HOSTED)).toEqual([]);
    // The same file in the function's own folder is its code.
    writeFileSync(path.join(folder, 'tool.py'), "client = boto3.client('glacier')\n");
    expect(unhostedClients(folder, HOSTED)).toEqual(["boto3 'glacier'"]);
  });

  it('names nothing for clients of hosted services, whatever credential providers they carry', async () => {
    const folder = await asset(
      'hosted',
      `import { SQSClient } from '@aws-sdk/client-sqs';
       import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
       import { SFNClient } from '@aws-sdk/client-sfn';
       export const clients = [new SQSClient({}), new DynamoDBClient({}), new SFNClient({})];`,
    );
    expect(unhostedClients(folder, HOSTED)).toEqual([]);
  }, 30_000);

  it('names a client left to the runtime SDK by its package', async () => {
    const folder = await asset(
      'external',
      `import { GlueClient } from '@aws-sdk/client-glue';
       import { SNSClient } from '@aws-sdk/client-sns';
       export const clients = [GlueClient, SNSClient];`,
      ['@aws-sdk/*'],
    );
    expect(unhostedClients(folder, HOSTED)).toEqual(['@aws-sdk/client-glue']);
  }, 30_000);

  it('reads nothing of a folder that does not exist', () => {
    expect(unhostedClients(path.join(dir, 'missing'), HOSTED)).toEqual([]);
  });
});

describe('unhostedClientWarnings', () => {
  it('names each function whose code holds such a client, and what its calls get', () => {
    const folder = path.join(dir, 'written');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'index.mjs'), 'const c={serviceId:e?.serviceId??"Glue"};');
    const fn = { name: 'Extract', codePath: folder } as FunctionDefinition;
    const quiet = { name: 'Quiet', codePath: path.join(dir, 'hosted') } as FunctionDefinition;
    expect(unhostedClientWarnings([fn, quiet], HOSTED)).toEqual([
      'function Extract (AWS::Lambda::Function): its code holds a client of Glue, which no local service answers; its calls fail with UnknownOperationException',
    ]);
  });
});

describe('endpointBlindClientWarnings', () => {
  it('names a function whose bundled clients are of an SDK release that never reads AWS_ENDPOINT_URL, leaving out the credential clients', () => {
    // As cdk-s3-upload-presignedurl-api's prebuilt asset bundles @aws-sdk/client-s3 3.231.0: its presigned URLs were AWS's.
    const old = path.join(dir, 'old-sdk');
    mkdirSync(old, { recursive: true });
    writeFileSync(path.join(old, 'index.js'), 'const a={serviceId:e?.serviceId??"S3"},b={serviceId:e?.serviceId??"STS"};');
    const credentialsOnly = path.join(dir, 'old-sts');
    mkdirSync(credentialsOnly, { recursive: true });
    writeFileSync(path.join(credentialsOnly, 'index.js'), 'const b={serviceId:e?.serviceId??"STS"};');
    const fns = [
      { name: 'Presign', codePath: old },
      { name: 'CredentialsOnly', codePath: credentialsOnly },
      { name: 'Nothing', codePath: path.join(dir, 'missing') },
    ] as FunctionDefinition[];
    expect(endpointBlindClientWarnings(fns)).toEqual([
      "function Presign (AWS::Lambda::Function): its code bundles S3 clients of an AWS SDK for JavaScript v3 release that does not read AWS_ENDPOINT_URL, so locally they call AWS's endpoints, not this runtime, and the URLs they presign are AWS's; bundle a newer SDK (or leave @aws-sdk/* to the runtime) to run them here",
    ]);
  });

  it("names no function bundling this repository's SDK, which reads AWS_ENDPOINT_URL", async () => {
    const folder = await asset('new-sdk', `import { S3Client } from '@aws-sdk/client-s3'; export const c = new S3Client({});`);
    expect(endpointBlindClientWarnings([{ name: 'Current', codePath: folder } as FunctionDefinition])).toEqual([]);
  }, 30_000);
});

describe('scanCode', () => {
  it('marks a package optional when every require of it is the first thing a try block does, minified or not', () => {
    const folder = path.join(dir, 'optional');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'index.js'),
      [
        // node-fetch 2 as NodejsFunction minifies it into a bundle, and as written.
        'var no;try{no=require("encoding").convert}catch{}',
        "let iconv;\ntry {\n  iconv = require('iconv-lite');\n} catch (e) {}",
        // Required both ways: its unguarded require fails the init.
        'try{require("left-pad")}catch{}const pad=require("left-pad");',
        'function f(){try{if(x){}}catch{}return require("right-pad")}',
      ].join('\n'),
    );
    const scan = scanCode(folder);
    expect([...scan.external].sort()).toEqual(['encoding', 'iconv-lite', 'left-pad', 'right-pad']);
    expect([...scan.optional].sort()).toEqual(['encoding', 'iconv-lite']);
  });

  it('needs nothing a string only names as code: ajv carries require() text for the standalone validators it could write', () => {
    const folder = path.join(dir, 'in-string');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'index.js'),
      [
        // ajv 8 as NodejsFunction bundles it (cloudevents' validator), then a real require beside it.
        `ucs2length.code = 'require("ajv/dist/runtime/ucs2length").default';`,
        'equal.code = "require(\'fast-deep-equal\')";',
        'const tpl = `import "left-pad"`;',
        'const pad = require("right-pad");',
      ].join('\n'),
    );
    expect([...scanCode(folder).external]).toEqual(['right-pad']);
  });
});
